/** Hand-written parts of the default content: intent titles, required entities, prompts, placeholder mapping. */

export const INTENT_TITLES: Record<string, string> = {
  cancel_order: 'How to cancel an order',
  change_order: 'How to change an order',
  change_shipping_address: 'How to change your shipping address',
  check_cancellation_fee: 'Cancellation fees',
  check_invoice: 'How to view an invoice',
  check_payment_methods: 'Accepted payment methods',
  check_refund_policy: 'Our refund policy',
  complaint: 'How to file a complaint',
  contact_customer_service: 'How to contact customer service',
  contact_human_agent: 'How to talk to a person',
  create_account: 'How to create an account',
  delete_account: 'How to delete your account',
  delivery_options: 'Delivery options',
  delivery_period: 'Delivery times',
  edit_account: 'How to edit your account details',
  get_invoice: 'How to download an invoice',
  get_refund: 'How to request a refund',
  newsletter_subscription: 'Newsletter subscription',
  payment_issue: 'Problems with a payment',
  place_order: 'How to place an order',
  recover_password: 'How to reset your password',
  registration_problems: 'Problems signing up',
  review: 'How to leave a review or feedback',
  set_up_shipping_address: 'How to set up a shipping address',
  switch_account: 'How to switch accounts or plans',
  track_order: 'How to track an order',
  track_refund: 'How to check the status of a refund',
};

/** Suffixes that tell apart the articles of one intent (several distinct Bitext walk-throughs each). */
export const ARTICLE_TITLE_SUFFIXES = ['', ': step by step', ': tips and troubleshooting', ': a quick guide'];

/** Requirements an answer cannot do without; `a|b` = either entity will do. */
export const REQUIRED: Record<string, string[]> = {
  cancel_order: ['order_id'],
  change_order: ['order_id'],
  track_order: ['order_id'],
  check_invoice: ['invoice_id|person_name'],
  get_invoice: ['invoice_id|person_name'],
};

export const PROMPTS: Record<string, string> = {
  order_id: 'Sure, I can help with that. Could you give me your order number?',
  'invoice_id|person_name': 'Happy to help. Could you give me the invoice number, or the name the invoice was issued to?',
};

/** Generic wording that replaces a customer's literal entity in knowledge-base articles (articles have no slots). */
export const GENERIC_ENTITY: Record<string, string> = {
  order_id: 'your order',
  invoice_id: 'your invoice',
  person_name: 'the account holder',
  account_type: 'your',
  delivery_city: 'your city',
  delivery_country: 'your country',
  refund_amount: 'the amount',
};

/** Company facts among the Bitext placeholder names → fixed `company.<key>`. First match wins. */
export const COMPANY_RULES: [RegExp, string][] = [
  [/^(customer )?(support|service)( team)? (phone|telephone|contact)( number)?( anonymized)?$|^(phone|telephone)( number)?$|^toll[- ]free number$/i, 'support_phone'],
  [/^(customer )?(support|service)( team)? email( address)?$|^email( address)?$/i, 'support_email'],
  [/^(customer )?(support|service)( team)? (availability|hours|working hours|operating hours)$|^business hours$/i, 'support_hours'],
  [/^live ?chat( support)?$/i, 'live_chat'],
  [/^(company )?website (url|link|address)$/i, 'website_url'],
  [/^(company )?website( name)?$|^website or app$|^online store$/i, 'website_name'],
  [/^company( name)?$/i, 'name'],
];

/** Placeholders that stand for the customer's own entity ("{{Order Number Anonymized}}"). */
export const ENTITY_PLACEHOLDER_RULES: [RegExp, string][] = [
  [/^(order|purchase)( number| id| #)?( anonymized)?$|^(order|purchase) (number|id) anonymized$/i, 'order_id'],
  [/^(invoice|bill)( number| id| #)?( anonymized)?$/i, 'invoice_id'],
];

/** ABCD subflows that answer one of our intents (the rest keep `intent` null). */
export const ABCD_INTENTS: Record<string, string> = {
  'Account Access/Recover Password': 'recover_password',
  'Product Defect/Initiate Refund': 'get_refund',
  'Product Defect/Refund Status': 'track_refund',
  'Manage Account/Manage Change Address': 'change_shipping_address',
  'Shipping Issue/Shipping Status': 'track_order',
  'Troubleshoot Site/Invalid Credit Card': 'payment_issue',
  'Order Issue/Manage Cancel': 'cancel_order',
};

/**
 * Sentences that only acknowledge the request or promise help ("I understand you want to cancel order {{order_id}}.",
 * "Allow me to assist you with that.", "How can I assist you?"). Bitext's responses open with them, and the
 * chat-sized cut of some responses keeps nothing else: a customer would get a promise and no answer.
 */
const ACKNOWLEDGEMENT = new RegExp(
  [
    /^(certainly|absolutely|of course|sure|no worries|great|thank you|thanks)\b[^.!?]*[.!?]?$/,
    /^(i|we)('m| am|'re| are|'d| would| will|'ll)? ?(so |truly |really |completely |totally |fully |sincerely |more than )?(understand|sorry|apologi[sz]e|here to|ready to|delighted|happy to|glad to|be (happy|glad|delighted)|committed|dedicated|acknowledge|do (my|our) best|willing)/,
    /^(don't worry|do not worry|you('re| are) in need|you seem|it's unfortunate|it is unfortunate|your (satisfaction|feedback)|we (sincerely|truly) |please accept|our (aim|goal|priority)|we appreciate|your (opinion|input)|let's (get|work))/,
    /^(allow|let) me\b/,
    /^(you are|you're|it appears|it seems|i can see|i see|i hear)\b/,
    /^(rest assured|please (feel free|don't hesitate|do not hesitate))/,
    /^how (can|may) i (help|assist)/,
    /\b(assist|help|guide|support) you( out| further| with (this|that|it|the process))?[.!]?$/,
  ]
    .map((r) => r.source)
    .join('|'),
  'i',
);

/**
 * Replies that ask the customer for details nothing will read ("kindly share your order number so that I can look
 * into it"): the bot cannot look into anything, and the customer's answer goes to the NLU as a new message.
 */
export const ASKS_FOR_DETAILS =
  /provide (me|us) with|(please|kindly) (provide|share|specify|tell)|request you to provide|(could|can|would) you (please |kindly )?(provide|share|clarify|confirm|specify|tell|verify|explain|describe)|request (that )?you|ask you to|please explain|(In short|Here.s how): 1\) (the|your|full|a|an|order number|name on|describe) |if you could (provide|share|specify)|please let (me|us) know|let (me|us) know (which|what|the)|need to gather|share (the|your|with me)|(require|need) (some )?(additional|more) (information|details)|so that I can (look|check|investigate|assist)|(may I|I) (kindly )?(ask|request) (for |you )?(your|the|some|additional|more)|I('ll| will)? need (your|the|some)|once I have (that|this|these|your)|brief moment|in (a few|several|the following) ways\.?$/i;

/**
 * Things a shipped reply must not say: an action the bot never takes ("I will promptly check the status and update
 * you"), a company fact the profile does not hold ("we operate 24/7"; hours come from `company.support_hours`), a
 * reprimand written for a rude message.
 */
export const UNSUPPORTED_CLAIMS =
  /\bI('ll| will) (promptly |personally |immediately )?(check|look into|investigate|update you|process|escalate)|\b(a|one) moment\b|database|hold on|please wait|while I (pull|connect|transfer|check|look)|(in|from) our system|unable to locate|allow me to connect|\b24\/7\b|around the clock|respectful tone/i;

/** True when a reply says something beyond acknowledging the request: a step, a fact, an instruction. */
export function hasSubstance(reply: string): boolean {
  const sentences = reply.split(/(?<=[.!?])\s+(?=[A-Z"'(])/).map((s) => s.trim()).filter(Boolean);
  return sentences.some((s) => /\bIn short:|^Here's how:|\b1\) /.test(s) || !ACKNOWLEDGEMENT.test(s));
}
