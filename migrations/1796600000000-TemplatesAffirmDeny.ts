import { MigrationInterface, QueryRunner } from 'typeorm';
import { addMissingTemplates } from './add-missing-templates';

/**
 * Answers to "yes" and "no" out of context (`affirm`, `deny`: "ok" after an answer), which the default model
 * learns from this version on; right after the fallback's offer of a person they accept or decline it instead, and
 * no template is read. Like TemplateSourceParley1796500000000: a new database gets them with the rest of
 * `content/` at boot, and one seeded before gets these two, as written here, for each intent without a template.
 */
const CONFIRMATIONS = [
  {
    intent: 'affirm',
    name: 'Yes / OK',
    variants: ["Great! Let me know if there's anything else I can help with.", 'Good. What else can I do for you?'],
  },
  {
    intent: 'deny',
    name: 'No',
    variants: ["Okay. If there's anything else I can help with, just ask.", 'No problem. Let me know if you need anything else.'],
  },
];

export class TemplatesAffirmDeny1796600000000 implements MigrationInterface {
  name = 'TemplatesAffirmDeny1796600000000';

  async up(q: QueryRunner): Promise<void> {
    await addMissingTemplates(q, CONFIRMATIONS);
  }

  async down(q: QueryRunner): Promise<void> {
    // Kept as the operator's own (`user`), not deleted: they may have been edited since. The `parley` source stays
    // allowed until TemplateSourceParley is reverted.
    await q.query(`UPDATE "answer_template" SET "source" = 'user' WHERE "source" = 'parley' AND "intent" IN ('affirm', 'deny')`);
  }
}
