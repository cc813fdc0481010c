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
