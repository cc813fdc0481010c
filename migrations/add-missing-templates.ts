import { QueryRunner } from 'typeorm';

/**
 * Gives an installation seeded before a version the default templates that version added (source `parley`), one per
 * intent that has no template yet, so an operator's own answer is left alone. Nothing on an empty table: boot seeds
 * all of `content/` into empty tables. The texts are each migration's own snapshot, not read from `content/`.
 */
export async function addMissingTemplates(q: QueryRunner, templates: Array<{ intent: string; name: string; variants: string[] }>): Promise<void> {
  const [{ seeded }] = await q.query(`SELECT EXISTS (SELECT 1 FROM "answer_template") AS "seeded"`);
  if (!seeded) return;
  for (const t of templates) {
    await q.query(
      `INSERT INTO "answer_template" ("intent", "name", "variants", "source")
       SELECT $1, $2, $3::jsonb, 'parley' WHERE NOT EXISTS (SELECT 1 FROM "answer_template" WHERE "intent" = $1)`,
      [t.intent, t.name, JSON.stringify(t.variants)],
    );
  }
}
