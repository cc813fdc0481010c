import { FilledSlot, CompanyProfile } from '../answers.types';

/**
 * The fixed set of company keys templates may use as `{{company.<key>}}`. The Bitext responses use ~330 ad-hoc
 * placeholder names; the content build maps the company facts among them onto these keys and inlines UI labels.
 * Each key has fallback wording so a profile without it still reads naturally.
 */
export const COMPANY_FALLBACKS: Readonly<Record<string, string>> = Object.freeze({
  name: 'our company',
  website_name: 'our website',
  website_url: 'our website',
  support_phone: 'our customer support phone line',
  support_email: 'our customer support email address',
  support_hours: 'during our opening hours',
  live_chat: 'the live chat',
  returns_days: 'the stated number of',
});

/** Wording for an entity slot a variant mentions but the customer never gave (only reachable for optional slots). */
const SLOT_FALLBACKS: Readonly<Record<string, string>> = Object.freeze({
  order_id: 'your order',
  invoice_id: 'your invoice',
  person_name: 'the account holder',
  account_type: 'your',
  delivery_city: 'your city',
  delivery_country: 'your country',
  refund_amount: 'the refund amount',
});

/** Used for a `{{company.x}}` key that is neither in the profile nor in {@link COMPANY_FALLBACKS}. */
export const UNKNOWN_COMPANY_FALLBACK = 'us';

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_. -]{1,64}?)\s*\}\}/g;
/** Longest slot value echoed back; a pasted essay should not become the reply. */
const MAX_SLOT_CHARS = 80;

/** Slot labels (`{{order_id}}`, not `{{company.*}}`) a template text refers to. */
export function slotsIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (!m[1].startsWith('company.')) out.add(m[1]);
  return [...out];
}

/** Company keys a template text refers to (without the `company.` prefix). */
export function companyKeysIn(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1].startsWith('company.')) out.add(m[1].slice('company.'.length));
  return [...out];
}

/** How a filled slot reads in a reply: the normalised value when it is a simple one, else what the customer typed. */
export function formatSlot(slot: FilledSlot): string {
  const v = slot.value as { kind?: string; value?: unknown; amount?: number; currency?: string | null } | undefined;
  let out = slot.text;
  if (v && (v.kind === 'identifier' || v.kind === 'name' || v.kind === 'email' || v.kind === 'phone') && typeof v.value === 'string') {
    out = v.value;
  } else if (v && v.kind === 'money' && typeof v.amount === 'number') {
    out = v.currency ? `${v.amount.toFixed(2)} ${v.currency}` : slot.text;
  }
  return cleanUserText(out);
}

/** Control characters and newlines out, length capped: slot text is echoed into a one-line chat reply. */
function cleanUserText(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SLOT_CHARS ? `${flat.slice(0, MAX_SLOT_CHARS - 1)}…` : flat;
}

/**
 * Fills a template in a single pass. Values (customer text, company facts) are inserted as they are and never scanned
 * again, so a customer who types `{{company.support_phone}}` gets those characters back, not the phone number.
 * No `{{…}}` of the template survives: unknown keys get fallback wording.
 */
export function renderTemplate(text: string, slots: Record<string, FilledSlot>, company: CompanyProfile): string {
  return text.replace(PLACEHOLDER, (_m, raw: string) => {
    if (raw.startsWith('company.')) return companyFact(raw.slice('company.'.length), company);
    const slot = slots[raw];
    if (slot && formatSlot(slot) !== '') return formatSlot(slot);
    return SLOT_FALLBACKS[raw] ?? 'that';
  });
}

/** A `{{company.<key>}}` placeholder's text: the profile's value, else the key's fallback wording. */
function companyFact(key: string, company: CompanyProfile): string {
  const value = company[key];
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return COMPANY_FALLBACKS[key] ?? UNKNOWN_COMPANY_FALLBACK;
}

/** The one person placeholder a canned response may use besides the company's: the agent who inserts it. */
export const AGENT_NAME_PLACEHOLDER = 'agent.name';

/** Placeholders of a canned response that are neither `{{agent.name}}` nor `{{company.<key>}}` (as written). */
export function unknownCannedPlaceholders(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (m[1] !== AGENT_NAME_PLACEHOLDER && !m[1].startsWith('company.')) out.add(m[0]);
  return [...out];
}

/** Fills a canned response for the agent inserting it, in one pass like {@link renderTemplate}. */
export function renderCannedResponse(text: string, company: CompanyProfile, agentName: string): string {
  return text.replace(PLACEHOLDER, (m, raw: string) => {
    if (raw === AGENT_NAME_PLACEHOLDER) return agentName;
    if (raw.startsWith('company.')) return companyFact(raw.slice('company.'.length), company);
    // Validation refuses others; one stored before that rule (or written in SQL) reads as written.
    return m;
  });
}

/** Stable 32-bit FNV-1a hash, used to pick variants deterministically per conversation. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Picks a variant index: a per-conversation offset plus the turn number, so a conversation walks through the
 * variants in turn (repeating a question gives a different sentence) while a given turn is reproducible.
 */
export function pickVariant(count: number, seed: string, turn: number): number {
  if (count <= 0) throw new RangeError('pickVariant needs at least one variant');
  return (hash32(seed) + Math.max(0, Math.floor(turn))) % count;
}
