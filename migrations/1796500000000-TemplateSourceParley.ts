import { MigrationInterface, QueryRunner } from 'typeorm';
import { addMissingTemplates } from './add-missing-templates';

/**
 * Answer templates get a fourth source, `parley`: default content written for Parley itself (the small-talk
 * answers to `greet`, `thank_you`, `goodbye` and `bot_challenge`), beside `bitext` (derived from the Bitext data),
 * `user` and `import`.
 *
 * A new database gets them with the rest of `content/` when the empty tables are seeded at boot. One seeded before
 * this version would never get them (seeding only fills empty tables), and the retrained default model would send
 * "hi" to the fallback for want of a template: so an installation that has templates already gets these four, as
 * written here for this version, for each intent that has no template yet.
 */
const SMALL_TALK = [
  {
    intent: 'bot_challenge',
    name: 'Who am I talking to?',
    variants: [
      "I'm {{company.website_name}}'s virtual assistant, not a person. I can help with orders, deliveries, refunds, payments, invoices and your account, and I can get you a person at any time.",
      "I'm a virtual assistant. Ask me about orders, shipping, refunds, payments or your account; if you'd rather talk to a person, just say so.",
    ],
  },
  {
    intent: 'goodbye',
    name: 'Goodbye',
    variants: [
      'Thanks for contacting {{company.website_name}}. Have a great day!',
      "Goodbye! If you need anything else, I'm here.",
      'Take care! You can come back to this chat at any time.',
    ],
  },
  {
    intent: 'greet',
    name: 'Greeting',
    variants: [
      "Hi! I'm {{company.website_name}}'s virtual assistant. How can I help you today?",
      'Hello! How can I help you today? I can help with orders, deliveries, refunds, payments and your account.',
      'Hi there! What can I do for you?',
    ],
  },
  {
    intent: 'thank_you',
    name: 'Thanks',
    variants: [
      "You're welcome! Is there anything else I can help you with?",
      'Happy to help! Anything else I can do for you?',
      "My pleasure. Let me know if there's anything else.",
    ],
  },
];

export class TemplateSourceParley1796500000000 implements MigrationInterface {
  name = 'TemplateSourceParley1796500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "answer_template" DROP CONSTRAINT "CHK_answer_template_source"`);
    await q.query(
      `ALTER TABLE "answer_template" ADD CONSTRAINT "CHK_answer_template_source" CHECK ("source" IN ('bitext', 'parley', 'user', 'import'))`,
    );
    await addMissingTemplates(q, SMALL_TALK);
  }

  async down(q: QueryRunner): Promise<void> {
    // Kept as the operator's own (`user`), not deleted: they may have been edited since.
    await q.query(`UPDATE "answer_template" SET "source" = 'user' WHERE "source" = 'parley'`);
    await q.query(`ALTER TABLE "answer_template" DROP CONSTRAINT "CHK_answer_template_source"`);
    await q.query(
      `ALTER TABLE "answer_template" ADD CONSTRAINT "CHK_answer_template_source" CHECK ("source" IN ('bitext', 'user', 'import'))`,
    );
  }
}
