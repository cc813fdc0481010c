/**
 * Builds the default content under `content/` from the shared datasets:
 *   answer templates for the 27 Bitext intents and the four small-talk ones (small-talk.ts), knowledge-base articles (Bitext walk-throughs + ABCD guidelines),
 *   the example company profile and the licences. Run once; the output is committed.
 *
 *   npx tsx scripts/content/build-content.ts [--data ../shared/data] [--split training/data/bitext] [--out content]
 *
 * Deterministic: same inputs → byte-identical output. Only the Bitext TRAIN split feeds article questions.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCsvRecords, parseSuperseded, slotsIn, supersede, SUPERSEDED_TEMPLATES_FILE } from '@app/answers';
import { ABCD_INTENTS, ARTICLE_TITLE_SUFFIXES, ASKS_FOR_DETAILS, COMPANY_RULES, ENTITY_PLACEHOLDER_RULES, GENERIC_ENTITY, hasSubstance, INTENT_TITLES, PROMPTS, REQUIRED, UNSUPPORTED_CLAIMS } from './content-rules';
import { SMALL_TALK_TEMPLATES } from './small-talk';

interface Row {
  text: string;
  intent: string;
  label: string | null;
  literal: string | null;
  response: string;
}
interface TemplateOut {
  intent: string;
  name: string;
  variants: string[];
  required_entities: string[];
  prompts: Record<string, string>;
  source: 'bitext';
}
interface ArticleOut {
  slug: string;
  title: string;
  body: string;
  intent: string | null;
  source: 'bitext' | 'abcd';
  questions: string[];
}

const VARIANT_MAX = 420;
const TEMPLATE_VARIANTS_FROM_RESPONSES = 4;
const ARTICLES_PER_INTENT = 3;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

function readRows(file: string): Row[] {
  const { records } = parseCsvRecords(readFileSync(file, 'utf8'));
  return records.map((r) => {
    const start = Number(r.start_offset);
    const end = Number(r.end_offset);
    let literal: string | null = null;
    if (r.entity_type && Number.isFinite(start) && end > start) {
      literal = r.instruction.slice(start, end).replace(/^[\s,]+|[\s,]+$/g, '');
      // ~99 upstream spans run past the text; entity_value at start_offset is the repair the split uses too.
      if (end > r.instruction.length && r.instruction.slice(start).startsWith(r.entity_value)) literal = r.entity_value;
    }
    return { text: r.instruction, intent: r.intent, label: r.entity_type || null, literal: literal || null, response: r.response };
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Maps every `{{X}}`/`[X]` placeholder: company facts → `{{company.key}}`, the customer's own ids → a slot (templates)
 * or generic wording (articles), UI labels used at least `minUses` times → inlined. Returns null when a placeholder
 * is too odd to keep (the response is then not used).
 */
function mapPlaceholders(text: string, mode: 'template' | 'article', uiLabels: Set<string>): string | null {
  let ok = true;
  const out = text.replace(/\{\{\s*([^{}]{1,60}?)\s*\}\}|\[([A-Z][A-Za-z ]{2,50})\]/g, (m, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b ?? '').trim();
    if (a !== undefined && name in GENERIC_ENTITY) return m; // a slot replaceLiteral just put there
    const company = COMPANY_RULES.find(([re]) => re.test(name));
    if (company) return `{{company.${company[1]}}}`;
    const entity = ENTITY_PLACEHOLDER_RULES.find(([re]) => re.test(name));
    if (entity && mode === 'template') return `{{${entity[1]}}}`;
    // An article about "order {{Order Number}}" reads badly with generic wording; such responses are skipped.
    if (entity) {
      ok = false;
      return m;
    }
    if (a !== undefined && uiLabels.has(name)) return name;
    if (entity && mode === 'article') ok = false;
    // "[Business Hours]" is a placeholder we cannot fill: keep the response out of the defaults.
    if (b !== undefined && mode === 'template' && /^[A-Z][a-z]+( [A-Z][a-z]+)+$/.test(name)) ok = false;
    if (b !== undefined) return m;
    ok = false;
    return m;
  });
  return ok ? out : null;
}

/** Replaces the customer's literal entity in a response with `{{label}}` (template) or generic wording (article). */
function replaceLiteral(text: string, row: Row, mode: 'template' | 'article'): string {
  if (!row.label || !row.literal || row.literal.length < 2) return text;
  const re = new RegExp(`(?<![\\w-])${escapeRe(row.literal)}(?![\\w-])`, 'gi');
  const bare = row.literal.replace(/^0+(?=\d)/, '');
  const alt = bare !== row.literal && bare.length >= 4 ? new RegExp(`(?<![\\w-])${escapeRe(bare)}(?![\\w-])`, 'g') : null;
  const repl = mode === 'template' ? `{{${row.label}}}` : GENERIC_ENTITY[row.label];
  const once = text.replace(re, repl);
  return alt ? once.replace(alt, repl) : once;
}

function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\*\*/g, '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Leaks we refuse in defaults: a long number (someone's order id), leftover braces, an untouched customer name. */
function leaks(text: string, row: Row): boolean {
  if (/\d{5,}|\$\s?\d|\d+ dollars/i.test(text)) return true;
  if (/\{\{(?!company\.[a-z_]+\}\}|[a-z_]+\}\})/.test(text)) return true;
  return !!(row.label === 'person_name' && row.literal && text.includes(row.literal));
}

const ABBREVIATIONS = /\b(e\.g|i\.e|etc|vs)\./gi;

function sentences(text: string): string[] {
  // Abbreviation dots are not sentence ends ("(e.g., PDF)"); hide them while splitting.
  const hidden = text.replace(ABBREVIATIONS, (m) => m.replace(/\./g, '\u2024'));
  const parts = hidden.match(/[^.!?]+(?:[.!?]+["')]?|$)\s*/g)?.map((s) => s.trim()).filter(Boolean) ?? [hidden];
  return parts.map((p) => p.replace(/\u2024/g, '.'));
}

function capSentences(text: string, max: number): string {
  let out = '';
  for (const s of sentences(text)) {
    if ((out + ' ' + s).trim().length > max) break;
    out = (out + ' ' + s).trim();
  }
  return out;
}

/** A chat-sized variant: the opening paragraph, with a numbered list condensed onto one line. */
function chatSized(body: string): string {
  const paras = body.split(/\n\s*\n/);
  let head = paras[0].replace(/\s+/g, ' ').trim();
  // Only the list that directly follows the opening paragraph; later lists are usually "if that fails" notes.
  const steps = (paras[1] ?? '')
    .split('\n')
    .map((l) => /^\s*\d+\.\s+(.*)$/.exec(l)?.[1])
    .filter((s): s is string => !!s)
    .map((s) => sentences(s.replace(/^[^:]{1,40}:\s+/, ''))[0].replace(/[.!]+$/, ''));
  if (head.endsWith(':') && steps.length < 2) return '';
  if (steps.length > 0 && head.endsWith(':')) {
    head = sentences(head).slice(0, -1).join(' ');
    const list = steps.slice(0, 4).map((s, i) => `${i + 1}) ${s.charAt(0).toLowerCase()}${s.slice(1)}`).join(', ');
    const lead = capSentences(head, VARIANT_MAX - list.length - 20);
    return (lead ? `${lead} In short: ${list}.` : `Here's how: ${list}.`).replace(/\s+/g, ' ').replace(/\.\.$/, '.');
  }
  return capSentences(head, VARIANT_MAX) || head.slice(0, VARIANT_MAX);
}

function words(text: string): Set<string> {
  return new Set(norm(text).replace(/\{\{[^}]+\}\}/g, ' ').match(/[a-z]{3,}/g) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const w of a) if (b.has(w)) inter++;
  return inter / (a.size + b.size - inter || 1);
}

/** Greedy max-min diversity: start from the first candidate, then add the one least similar to those chosen. */
function pickDiverse<T>(cands: T[], n: number, text: (t: T) => string): T[] {
  if (cands.length <= n) return cands;
  const sets = cands.map((c) => words(text(c)));
  const chosen = [0];
  while (chosen.length < n) {
    let best = -1;
    let bestScore = Infinity;
    sets.forEach((s, i) => {
      if (chosen.includes(i)) return;
      const worst = Math.max(...chosen.map((j) => jaccard(s, sets[j])));
      if (worst < bestScore) {
        bestScore = worst;
        best = i;
      }
    });
    chosen.push(best);
  }
  return chosen.map((i) => cands[i]);
}

function uiLabelSet(rows: Row[]): Set<string> {
  const counts = new Map<string, number>();
  for (const r of rows) for (const m of r.response.matchAll(/\{\{\s*([^{}]{1,60}?)\s*\}\}/g)) counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  // A label several responses share is a real UI element ("Order History"); one-offs are often odd prose.
  return new Set([...counts].filter(([k, n]) => n >= 3 && /^[A-Z][A-Za-z]*( [A-Za-z]+){0,3}$/.test(k) && !/anonymi[sz]ed|number of/i.test(k)).map(([k]) => k));
}

function buildTemplates(rows: Row[], fixed: Map<string, string>, ui: Set<string>): TemplateOut[] {
  const intents = [...new Set(rows.map((r) => r.intent))].sort();
  return intents.map((intent) => {
    const labels = new Set(rows.filter((x) => x.intent === intent && x.label).map((x) => x.label as string));
    const cands: string[] = [];
    for (const r of rows.filter((x) => x.intent === intent)) {
      const mapped = mapPlaceholders(replaceLiteral(tidy(r.response), r, 'template'), 'template', ui);
      if (!mapped) continue;
      const v = chatSized(mapped);
      if (v.length < 60 || v.length > VARIANT_MAX + 40 || leaks(v, r) || cands.includes(v)) continue;
      // Variants that ask for details we never use ("could you provide...") or that open a list they do not show.
      if (ASKS_FOR_DETAILS.test(v) || UNSUPPORTED_CLAIMS.test(v) || v.endsWith(':')) continue;
      if (slotsIn(v).some((s) => !labels.has(s))) continue;
      // Nothing but "I understand … allow me to assist you": a promise, no answer.
      if (!hasSubstance(v)) continue;
      cands.push(v);
    }
    const withSlot = cands.filter((v) => /\{\{(?!company\.)/.test(v));
    const plain = cands.filter((v) => !/\{\{(?!company\.)/.test(v));
    const half = Math.ceil(TEMPLATE_VARIANTS_FROM_RESPONSES / 2);
    const chosen = [...pickDiverse(withSlot, Math.min(half, withSlot.length), (s) => s)];
    chosen.push(...pickDiverse(plain, TEMPLATE_VARIANTS_FROM_RESPONSES - chosen.length, (s) => s));
    const variants = [fixed.get(intent) ?? '', ...chosen].filter(Boolean);
    const required = REQUIRED[intent] ?? [];
    return {
      intent,
      name: INTENT_TITLES[intent] ?? intent,
      variants,
      required_entities: required,
      prompts: Object.fromEntries(required.map((r) => [r, PROMPTS[r]])),
      source: 'bitext' as const,
    };
  });
}

function buildBitextArticles(rows: Row[], train: { text: string; intent: string }[], ui: Set<string>): ArticleOut[] {
  const trainTexts = new Set(train.map((t) => norm(t.text)));
  const out: ArticleOut[] = [];
  for (const intent of Object.keys(INTENT_TITLES).sort()) {
    const cands: { body: string; row: Row }[] = [];
    for (const r of rows.filter((x) => x.intent === intent && trainTexts.has(norm(x.text)))) {
      const body = mapPlaceholders(replaceLiteral(tidy(r.response), r, 'article'), 'article', ui);
      if (!body || body.length < 400 || !/^\s*\d+\.\s/m.test(body) || leaks(body, r)) continue;
      if (r.label === 'order_id' || r.label === 'invoice_id' || r.label === 'person_name') continue;
      cands.push({ body, row: r });
    }
    const picked = pickDiverse(cands, ARTICLES_PER_INTENT, (c) => c.body);
    const articles = picked.map((c, i) => ({
      slug: `${intent.replace(/_/g, '-')}-${i + 1}`,
      title: `${INTENT_TITLES[intent]}${ARTICLE_TITLE_SUFFIXES[i] ?? ` (${i + 1})`}`,
      body: c.body,
      intent,
      source: 'bitext' as const,
      questions: [] as string[],
    }));
    // Each train utterance of the intent goes to the article whose source exchange shares most words with it.
    const keys = picked.map((c) => words(`${c.row.text} ${c.body.split('\n')[0]}`));
    for (const t of train.filter((x) => x.intent === intent)) {
      const w = words(t.text);
      let best = 0;
      keys.forEach((k, i) => {
        if (jaccard(w, k) > jaccard(w, keys[best])) best = i;
      });
      if (articles[best]) articles[best].questions.push(t.text);
    }
    out.push(...articles);
  }
  return out;
}

interface AbcdAction {
  button: string;
  text: string;
  subtext: string[];
}

function kebab(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

function buildAbcdArticles(guidelines: Record<string, { description: string; subflows: Record<string, { actions: AbcdAction[]; instructions: string[] }> }>): ArticleOut[] {
  const out: ArticleOut[] = [];
  for (const [flow, f] of Object.entries(guidelines)) {
    for (const [sub, s] of Object.entries(f.subflows)) {
      const clean = (x: string) => x.replace(/\s+/g, ' ').trim();
      const steps = s.actions.map((a, i) => {
        const sublines = a.subtext.map((t) => `   - ${clean(t)}`).join('\n');
        return `${i + 1}. ${a.button ? `${a.button}: ` : ''}${clean(a.text)}${sublines ? `\n${sublines}` : ''}`;
      });
      const body = [...s.instructions.map(clean), '', ...steps].join('\n').trim();
      out.push({
        slug: `abcd-${kebab(flow)}-${kebab(sub)}`,
        title: `${flow}: ${sub}`,
        body,
        intent: ABCD_INTENTS[`${flow}/${sub}`] ?? null,
        source: 'abcd',
        questions: [sub, ...s.instructions.map(clean)].filter(Boolean),
      });
    }
  }
  return out.sort((a, b) => a.slug.localeCompare(b.slug));
}

const COMPANY_EXAMPLE = {
  name: 'Acme Shop Ltd.',
  website_name: 'Acme Shop',
  website_url: 'https://shop.example.com',
  support_phone: '+1 555 0100',
  support_email: 'support@example.com',
  support_hours: 'Monday to Friday, 8 am to 8 pm (ET)',
  live_chat: 'Live Chat',
  returns_days: '30',
};

function main(): void {
  const data = arg('data', '../shared/data');
  const split = arg('split', 'training/data/bitext');
  const outDir = arg('out', 'content');
  const rows = readRows(join(data, 'bitext/bitext_cs_tagged_4514_responses.csv'));
  const fixedRows = readRows(join(data, 'bitext/bitext_cs_tagged_6480_gpt35_one_response_per_intent.csv'));
  const fixed = new Map<string, string>();
  // The fixed answers spell out example contact data; those are company facts too.
  const companyLiterals = (t: string) => t.replace(/support@example\.com/g, '{{company.support_email}}').replace(/\(123\) 456-7890/g, '{{company.support_phone}}');
  for (const r of fixedRows) if (!fixed.has(r.intent)) fixed.set(r.intent, companyLiterals(r.response.trim()));
  const train = readFileSync(join(split, 'train.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { text: string; intent: string });
  const ui = uiLabelSet(rows);
  const templates = [...buildTemplates(rows, fixed, ui), ...SMALL_TALK_TEMPLATES];
  const articles = [...buildBitextArticles(rows, train, ui), ...buildAbcdArticles(JSON.parse(readFileSync(join(data, 'abcd/guidelines.json'), 'utf8')))];
  mkdirSync(join(outDir, 'licenses'), { recursive: true });
  // Installations seeded from the file being replaced get the new variants of every template they never edited.
  const readJson = (name: string): unknown => (existsSync(join(outDir, name)) ? JSON.parse(readFileSync(join(outDir, name), 'utf8')) : null);
  const before = (readJson('templates.json') as TemplateOut[] | null) ?? [];
  const previous = parseSuperseded(readJson(SUPERSEDED_TEMPLATES_FILE) ?? {}, SUPERSEDED_TEMPLATES_FILE);
  writeFileSync(join(outDir, SUPERSEDED_TEMPLATES_FILE), JSON.stringify(supersede(previous, before, templates), null, 2) + '\n');
  writeFileSync(join(outDir, 'templates.json'), JSON.stringify(templates, null, 2) + '\n');
  writeFileSync(join(outDir, 'articles.json'), JSON.stringify(articles, null, 2) + '\n');
  writeFileSync(join(outDir, 'company.json'), JSON.stringify(COMPANY_EXAMPLE, null, 2) + '\n');
  copyFileSync(join(data, 'bitext/LICENSE.txt'), join(outDir, 'licenses/bitext-CDLA-Sharing-1.0.txt'));
  copyFileSync(join(data, 'abcd/LICENSE'), join(outDir, 'licenses/abcd-MIT.txt'));
  const q = articles.reduce((n, a) => n + a.questions.length, 0);
  console.log(JSON.stringify({ templates: templates.length, variants: templates.reduce((n, t) => n + t.variants.length, 0), articles: articles.length, questions: q }));
}

main();
