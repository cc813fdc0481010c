import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A bot reply keeps its buttons ("Talk to a person", "did you mean …?", a webhook's): a widget that reloads, resumes
 * or reads the REST channel's history shows them again, as it shows the reply's sources. Null for replies without
 * buttons and for every reply stored before this version.
 */
export class MessageSuggestions1796800000000 implements MigrationInterface {
  name = 'MessageSuggestions1796800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "message" ADD "suggestions" jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "message" DROP COLUMN "suggestions"`);
  }
}
