/**
 * Business hours (BUSINESS_HOURS, BUSINESS_TIMEZONE, BUSINESS_CLOSED_DATES): when the support team answers, as
 * Chatwoot or Zendesk keep them. Pure: parsing, "open at this instant?" and "when next?", in the team's time zone
 * (daylight saving included), with nothing but `Intl`.
 *
 * BUSINESS_HOURS is rules separated by `;`, each days then one or more time ranges:
 *   `mon-fri 09:00-17:00; sat 10:00-14:00`, `mon,wed 08:00-12:00 13:00-17:00`, `sun 22:00-02:00` (past midnight:
 *   the range ends the next day), `mon-sun 00:00-24:00`.
 * A closed date (a holiday) cancels the ranges that start on it.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening: on `day` (0 = Sunday) from `start` for `minutes` (minutes after local midnight; may pass midnight). */
export interface OpeningWindow {
  readonly day: number;
  readonly start: number;
  readonly minutes: number;
}

export interface BusinessHours {
  readonly timeZone: string;
  readonly windows: readonly OpeningWindow[];
  /** `YYYY-MM-DD` dates, in the time zone, on which no window opens. */
  readonly closedDates: readonly string[];
}

const DAY_RE = /^(sun|mon|tue|wed|thu|fri|sat)(?:-(sun|mon|tue|wed|thu|fri|sat))?$/;
const RANGE_RE = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses BUSINESS_HOURS; throws an Error whose message says what is wrong (the config reports it). */
export function parseOpeningWindows(spec: string): OpeningWindow[] {
  const windows: OpeningWindow[] = [];
  for (const rule of spec.split(';').map((r) => r.trim().toLowerCase())) {
    if (rule === '') continue;
    const [days, ...ranges] = rule.split(/\s+/);
    if (ranges.length === 0) throw new Error(`"${rule}" has no time range (e.g. mon-fri 09:00-17:00)`);
    const dayNumbers = parseDays(days, rule);
    for (const range of ranges) {
      const m = RANGE_RE.exec(range);
      if (!m) throw new Error(`"${range}" is not a time range HH:MM-HH:MM`);
      const [h1, m1, h2, m2] = m.slice(1).map(Number);
      if (h1 > 23 || m1 > 59 || h2 > 24 || m2 > 59 || (h2 === 24 && m2 !== 0)) throw new Error(`"${range}" is not a time of day`);
      const start = h1 * 60 + m1;
      const end = h2 * 60 + m2;
      // An end at or before the start passes midnight; 00:00-24:00 is the whole day.
      const minutes = end > start ? end - start : end + 24 * 60 - start;
      for (const day of dayNumbers) windows.push({ day, start, minutes });
    }
  }
  if (windows.length === 0) throw new Error('names no opening (e.g. mon-fri 09:00-17:00), or leave it empty: always open');
  return windows;
}

function parseDays(days: string, rule: string): number[] {
  const out = new Set<number>();
  for (const part of days.split(',')) {
    const m = DAY_RE.exec(part);
    if (!m) throw new Error(`"${rule}" must start with days such as mon-fri, sat or mon,wed (three-letter English names)`);
    const from = WEEKDAYS.indexOf(m[1] as Weekday);
    const to = m[2] ? WEEKDAYS.indexOf(m[2] as Weekday) : from;
    // fri-mon wraps over the weekend.
    for (let d = from; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === to) break;
    }
  }
  return [...out];
}

/** Parses BUSINESS_CLOSED_DATES (`YYYY-MM-DD`, comma-separated); throws on a date that does not exist. */
export function parseClosedDates(spec: string): string[] {
  const dates = spec
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const date of dates) {
    const m = DATE_RE.exec(date);
    const valid = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).toISOString().slice(0, 10) === date;
    if (!valid) throw new Error(`"${date}" is not a date YYYY-MM-DD`);
  }
  return [...new Set(dates)].sort();
}

/** Throws RangeError for a time zone `Intl` does not know. */
export function checkTimeZone(timeZone: string): void {
  new Intl.DateTimeFormat('en-US', { timeZone });
}

interface LocalTime {
  date: string;
  minute: number;
}

const partsFormats = new Map<string, Intl.DateTimeFormat>();
function localTime(instant: number, timeZone: string): LocalTime {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
    partsFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
}

/** Shifts a `YYYY-MM-DD` date by whole days. */
function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The instant at which the wall clock in `timeZone` reads `date` + `minute`. A time that happens twice (clocks go
 * back) is the first; a time skipped by clocks going forward is moved forward by the jump (02:30 becomes 03:30), as
 * Temporal's "compatible" disambiguation does.
 */
function instantOf(date: string, minute: number, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, 0, minute);
  const offsetAt = (t: number) => {
    const l = localTime(t, timeZone);
    const [ly, lm, ld] = l.date.split('-').map(Number);
    return Date.UTC(ly, lm - 1, ld, 0, l.minute) - Math.floor(t / 60_000) * 60_000;
  };
  const before = wall - offsetAt(wall - 86_400_000);
  const after = wall - offsetAt(wall + 86_400_000);
  const reads = (t: number) => wall === t + offsetAt(t);
  const real = [before, after].filter(reads);
  return real.length > 0 ? Math.min(...real) : Math.max(before, after);
}

/** Each window that opens on a local date in [from - 1 day, from + days], as instants [opens, closes). */
function* openings(hours: BusinessHours, from: string, days: number): Generator<[number, number]> {
  for (let i = -1; i <= days; i++) {
    const date = addDays(from, i);
    if (hours.closedDates.includes(date)) continue;
    const [y, m, d] = date.split('-').map(Number);
    const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    const today = hours.windows.filter((w) => w.day === weekday).sort((a, b) => a.start - b.start);
    for (const w of today) {
      const opens = instantOf(date, w.start, hours.timeZone);
      yield [opens, instantOf(date, w.start + w.minutes, hours.timeZone)];
    }
  }
}

/** Is the team in at `instant` (ms)? */
export function isOpen(hours: BusinessHours, instant: number): boolean {
  const today = localTime(instant, hours.timeZone).date;
  for (const [opens, closes] of openings(hours, today, 0)) if (opens <= instant && instant < closes) return true;
  return false;
}

/** When the team is next in, after `instant` (it, if open now); null if no window opens within 400 days. */
export function nextOpening(hours: BusinessHours, instant: number): number | null {
  const today = localTime(instant, hours.timeZone).date;
  // Openings come in order (by date, then time), so a window holding `instant` comes before any later one.
  for (const [opens, closes] of openings(hours, today, 400)) {
    if (opens <= instant && instant < closes) return instant;
    if (opens > instant) return opens;
  }
  return null;
}

/**
 * "Monday at 09:00", or "Thursday, January 1 at 09:00" when it is six or more days away, in the team's zone, with the
 * zone's name when it is not UTC: what the customer is told.
 */
export function describeOpening(hours: BusinessHours, opening: number, now: number): string {
  const far = opening - now >= 6 * 86_400_000;
  const day = new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone, weekday: 'long', ...(far ? { month: 'long', day: 'numeric' } : {}) }).format(opening);
  const time = new Intl.DateTimeFormat('en-US', { timeZone: hours.timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit' }).format(opening);
  const sameDay = localTime(opening, hours.timeZone).date === localTime(now, hours.timeZone).date;
  const when = sameDay ? `today at ${time}` : `${day} at ${time}`;
  return hours.timeZone === 'UTC' ? `${when} (UTC)` : `${when} (${hours.timeZone} time)`;
}

/** Whether the team is in at `now`, and if not when it is back (as an instant and in words). */
export interface Availability {
  openNow: boolean;
  /** ISO time of the next opening; null when open now or none within 400 days. */
  nextOpening: string | null;
  /** `describeOpening` of it ("Monday at 09:00 (Europe/Berlin time)"), or null. */
  back: string | null;
}

/**
 * The team's availability at `now`. Every window opens and closes on a whole minute, so the answer is the same all
 * through a minute: it is computed once per minute per schedule (a closed team's next opening takes about 0.7 ms of
 * `Intl` arithmetic, and every widget start asks).
 */
export function availabilityAt(hours: BusinessHours, now: number): Availability {
  const minute = Math.floor(now / 60_000);
  const cached = availabilityCache.get(hours);
  if (cached?.minute === minute) return cached.value;
  const value = computeAvailability(hours, minute * 60_000);
  availabilityCache.set(hours, { minute, value });
  return value;
}

const availabilityCache = new WeakMap<BusinessHours, { minute: number; value: Availability }>();

function computeAvailability(hours: BusinessHours, now: number): Availability {
  if (isOpen(hours, now)) return { openNow: true, nextOpening: null, back: null };
  const next = nextOpening(hours, now);
  return { openNow: false, nextOpening: next === null ? null : new Date(next).toISOString(), back: next === null ? null : describeOpening(hours, next, now) };
}
