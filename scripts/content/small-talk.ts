/**
 * Answers to small talk, written for Parley (Apache-2.0 like the rest of it; `source: "parley"`): the intents the
 * default model learns from training/data/smalltalk. They fill only company facts, so any company profile reads
 * right. `contact_human_agent` is not here: a confident one hands the conversation over (CHAT_HANDOFF_INTENTS).
 * `affirm` and `deny` are answered here only out of context ("ok" after an answer): right after the fallback's
 * "… or would you like to talk to a person?" they accept or decline that person instead (TurnService).
 */
export interface SmallTalkTemplate {
  intent: string;
  name: string;
  variants: string[];
  required_entities: string[];
  prompts: Record<string, string>;
  source: 'parley';
}

const template = (intent: string, name: string, variants: string[]): SmallTalkTemplate => ({
  intent,
  name,
  variants,
  required_entities: [],
  prompts: {},
  source: 'parley',
});

export const SMALL_TALK_TEMPLATES: SmallTalkTemplate[] = [
  template('affirm', 'Yes / OK', ["Great! Let me know if there's anything else I can help with.", 'Good. What else can I do for you?']),
  template('bot_challenge', 'Who am I talking to?', [
    "I'm {{company.website_name}}'s virtual assistant, not a person. I can help with orders, deliveries, refunds, payments, invoices and your account, and I can get you a person at any time.",
    "I'm a virtual assistant. Ask me about orders, shipping, refunds, payments or your account; if you'd rather talk to a person, just say so.",
  ]),
  template('deny', 'No', ["Okay. If there's anything else I can help with, just ask.", 'No problem. Let me know if you need anything else.']),
  template('goodbye', 'Goodbye', [
    'Thanks for contacting {{company.website_name}}. Have a great day!',
    "Goodbye! If you need anything else, I'm here.",
    'Take care! You can come back to this chat at any time.',
  ]),
  template('greet', 'Greeting', [
    "Hi! I'm {{company.website_name}}'s virtual assistant. How can I help you today?",
    'Hello! How can I help you today? I can help with orders, deliveries, refunds, payments and your account.',
    'Hi there! What can I do for you?',
  ]),
  template('thank_you', 'Thanks', [
    "You're welcome! Is there anything else I can help you with?",
    'Happy to help! Anything else I can do for you?',
    "My pleasure. Let me know if there's anything else.",
  ]),
];
