import type { EntityValue } from '@app/contracts';
import * as chrono from 'chrono-node';

export interface DateContext {
  /** "Now" for relative expressions ("tomorrow", "in 2 hours"). */
  referenceTime: Date;
  /** IANA zone the customer lives in, e.g. "Europe/Berlin". */
  timeZone: string;
}

// Building an Intl.DateTimeFormat costs ~0.1 ms, more than the rest of a parse; keep one per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_ZONES = 1000;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_ZONES) formatters.clear();
    formatters.set(zone, f);
  }
  return f;
}

/** Offset of `zone` from UTC at `instant`, in minutes (Europe/Berlin in summer → 120). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  const parts = formatterFor(zone).formatToParts(instant);
  const get = (type: string): number => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

/** `instant` as local wall time in `zone` with its offset: 2027-03-04T17:00:00+01:00. */
export function formatInZone(instant: Date, zone: string): string {
  const offset = zoneOffsetMinutes(instant, zone);
  const local = new Date(instant.getTime() + offset * 60000);
  const date = `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  return `${date}T${time}${formatOffset(offset)}`;
}

/** True when `zone` is an IANA time zone this Node (ICU) knows. */
export function isValidTimeZone(zone: string): boolean {
  if (formatters.has(zone)) return true;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Dates and times, absolute or relative, read by chrono-node in the customer's zone. A date
 * without a clock time has grain 'day' and an ISO date ("2027-03-04"); with a time, grain 'time'
 * and an ISO timestamp with the zone's offset at that instant.
 */
export function normaliseDateTime(text: string, ctx: DateContext): EntityValue | null {
  // chrono takes a fixed offset, not an IANA name: use the zone's offset at the reference time
  // (a date across a DST switch is still formatted with the correct offset below).
  const reference = { instant: ctx.referenceTime, timezone: zoneOffsetMinutes(ctx.referenceTime, ctx.timeZone) };
  const [result] = chrono.parse(text, reference, { forwardDate: true });
  if (!result) return null;
  const start = result.start;
  if (!start.isCertain('hour')) {
    const iso = `${start.get('year')}-${pad(start.get('month')!)}-${pad(start.get('day')!)}`;
    return { kind: 'datetime', iso, grain: 'day' };
  }
  if (start.isCertain('timezoneOffset')) {
    // The customer named a zone ("5pm EST"): that is an instant; show it in their zone.
    return { kind: 'datetime', iso: formatInZone(start.date(), ctx.timeZone), grain: 'time' };
  }
  return { kind: 'datetime', iso: formatInZone(wallTimeToInstant(start, ctx.timeZone), ctx.timeZone), grain: 'time' };
}

/**
 * chrono resolved the wall time with the reference's offset; "9:15 on July 4" means 9:15 in the
 * zone's summer time, so find the instant with the offset valid at that date (two passes settle DST).
 */
function wallTimeToInstant(start: chrono.ParsedComponents, zone: string): Date {
  const wall = Date.UTC(
    start.get('year')!,
    start.get('month')! - 1,
    start.get('day')!,
    start.get('hour') ?? 0,
    start.get('minute') ?? 0,
    start.get('second') ?? 0,
  );
  let instant = wall - zoneOffsetMinutes(new Date(wall), zone) * 60000;
  instant = wall - zoneOffsetMinutes(new Date(instant), zone) * 60000;
  return new Date(instant);
}
