import { createHash } from 'node:crypto';

/**
 * The variant sets earlier Parley versions shipped in `content/templates.json`, by intent, as {@link variantsHash}
 * hashes: `content/templates.previous.json`. A default template that still holds one of them was never edited, so an
 * upgraded server gives it this version's variants (`ContentService.refreshShippedTemplates`). Boot seeds only empty
 * tables; without this an installation would keep every answer it was first seeded with, however it was improved.
 */
export type SupersededVariants = Record<string, string[]>;

/** sha256 (hex) of the variants array as JSON: the same for the shipped file and a row read back from the database. */
export function variantsHash(variants: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(variants)).digest('hex');
}

/**
 * `previous` plus, for each intent whose variants change from `before` to `after`, the hash of what `before` shipped.
 * A set shipped again by `after` is current, so it leaves the list. Keys sorted, for a stable committed file.
 */
export function supersede(
  previous: Readonly<SupersededVariants>,
  before: ReadonlyArray<{ intent: string; variants: readonly string[] }>,
  after: ReadonlyArray<{ intent: string; variants: readonly string[] }>,
): SupersededVariants {
  const current = new Map(after.map((t) => [t.intent, variantsHash(t.variants)]));
  const next = new Map(Object.entries(previous).map(([intent, hashes]) => [intent, [...hashes]]));
  for (const t of before) {
    const old = variantsHash(t.variants);
    const now = current.get(t.intent);
    if (now === undefined || now === old) continue;
    const list = next.get(t.intent) ?? [];
    if (!list.includes(old)) list.push(old);
    next.set(t.intent, list);
  }
  const out: SupersededVariants = {};
  for (const intent of [...next.keys()].sort()) {
    const kept = next.get(intent)!.filter((h) => h !== current.get(intent));
    if (kept.length > 0) out[intent] = kept;
  }
  return out;
}

/** Reads `templates.previous.json`'s content; anything but an object of hex-hash arrays is refused. */
export function parseSuperseded(data: unknown, where: string): SupersededVariants {
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new Error(`${where} must be a JSON object`);
  for (const [intent, hashes] of Object.entries(data)) {
    if (!Array.isArray(hashes) || !hashes.every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
      throw new Error(`${where}: "${intent}" must be an array of sha256 hex strings`);
    }
  }
  return data as SupersededVariants;
}
