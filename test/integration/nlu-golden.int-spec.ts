import { firstRoute } from '@app/conversation';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { useDefaultNlu } from './nlu-model.helper';

interface Golden {
  text: string;
  intent?: string;
  entities?: { label: string; text: string; start?: number; end?: number }[];
}

interface Challenge {
  text: string;
  intent: string;
  entities: { start: number; end: number; label: string }[];
}

const FIXTURES = join(__dirname, '../fixtures/nlu');
const CHALLENGE = join(__dirname, '../../training/data/challenge');
const read = (file: string): Golden[] =>
  readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

/**
 * Hand-written utterances (not from the Bitext files): ok/ must be understood, not-ok/ must not be
 * answered from a template. Rates rather than every row, so one borderline retrain does not break CI,
 * while a broken runtime (wrong ids, wrong label order, wrong offsets) fails at once.
 */
describe('golden utterances on the default model', () => {
  const nlu = useDefaultNlu();

  /** How many rows' intents and expected entities (label and text; start/end too where given) the model gets. */
  async function understood(
    rows: Golden[],
  ): Promise<{ intentRate: number; entityRate: number; misses: string[] }> {
    const misses: string[] = [];
    let intents = 0;
    let wanted = 0;
    let found = 0;
    for (const row of rows) {
      const res = await nlu().parse(row.text);
      if (res.intent.name === row.intent) intents++;
      else
        misses.push(
          `${row.text} → ${res.intent.name} (${res.intent.confidence.toFixed(2)}), want ${row.intent}`,
        );
      for (const e of row.entities ?? []) {
        wanted++;
        const at = (g: { start: number; end: number }) =>
          e.start === undefined || (g.start === e.start && g.end === e.end);
        if (res.entities.some((g) => g.label === e.label && g.text === e.text && at(g))) found++;
        else misses.push(`${row.text}: missing ${e.label} "${e.text}"`);
      }
    }
    return { intentRate: intents / rows.length, entityRate: found / Math.max(1, wanted), misses };
  }

  it('understands the ok/ utterances (intent ≥ 85%, entities ≥ 80%)', async () => {
    const { intentRate, entityRate, misses } = await understood(read('ok/support.jsonl'));
    expect({ intentRate: intentRate >= 0.85, entityRate: entityRate >= 0.8, misses }).toEqual({
      intentRate: true,
      entityRate: true,
      misses: expect.any(Array),
    });
  });

  // Hand-written order and invoice numbers, names, places and amounts in shapes Bitext never shows
  // (training/data/challenge/README.md). The model trained on Bitext alone found 16 of 43 of the first
  // file's entities; entity-value augmentation (support.toml entity_augment) is what this guards.
  // small-talk.jsonl: greetings, thanks, goodbyes and "are you a bot?" in words the small-talk data does not
  // use, and requests wrapped in a greeting or thanks (training/data/smalltalk/README.md, courtesy_augment).
  it.each(['support-entities.jsonl', 'support-entities-heldout.jsonl', 'small-talk.jsonl'])(
    'finds entities of unseen values and shapes in challenge/%s (intent ≥ 90%%, exact spans ≥ 75%%)',
    async (file) => {
      // canonical rows: start/end are code points, the runtime's UTF-16 (both files are BMP-only, so equal)
      const rows = readFileSync(join(CHALLENGE, file), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Challenge)
        .map((r) => ({
          ...r,
          entities: r.entities.map((e) => ({ ...e, text: r.text.slice(e.start, e.end) })),
        }));
      const { intentRate, entityRate, misses } = await understood(rows);
      expect({ intentRate: intentRate >= 0.9, entityRate: entityRate >= 0.75, misses }).toEqual({
        intentRate: true,
        entityRate: true,
        misses: expect.any(Array),
      });
    },
  );

  // The Bitext-only model (no out-of-scope class) answered 4 of these 10 from a template; model
  // 0d6b1725 (out_of_scope class from training/data/oos, which paraphrases none of them) answers none.
  // One borderline miss after a retrain is allowed; a return to the old behaviour is not.
  it('does not answer the not-ok/ (out-of-scope) utterances from a template', async () => {
    const rows = read('not-ok/out-of-scope.jsonl');
    const answered: string[] = [];
    for (const row of rows) {
      const res = await nlu().parse(row.text);
      if (firstRoute(res.intent.confidence, res.thresholds, false, res.intent.name) === 'template') {
        answered.push(`${row.text} → ${res.intent.name} (${res.intent.confidence.toFixed(2)})`);
      }
    }
    expect(answered.length <= 1 ? [] : answered).toEqual([]);
  });
});
