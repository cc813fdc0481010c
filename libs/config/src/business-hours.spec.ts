import { availabilityAt, BusinessHours, describeOpening, isOpen, nextOpening, parseClosedDates, parseOpeningWindows } from './business-hours';

const hours = (spec: string, timeZone = 'UTC', closed = ''): BusinessHours => ({ timeZone, windows: parseOpeningWindows(spec), closedDates: parseClosedDates(closed) });
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('business hours', () => {
  it('parses days, ranges, several ranges a day, wrapping day ranges and ranges past midnight', () => {
    expect(parseOpeningWindows('mon-fri 09:00-17:00')).toHaveLength(5);
    expect(parseOpeningWindows('MON,wed 08:00-12:00 13:00-17:30')).toEqual([
      { day: 1, start: 480, minutes: 240 },
      { day: 3, start: 480, minutes: 240 },
      { day: 1, start: 780, minutes: 270 },
      { day: 3, start: 780, minutes: 270 },
    ]);
    expect(parseOpeningWindows('fri-mon 10:00-11:00').map((w) => w.day)).toEqual([5, 6, 0, 1]);
    expect(parseOpeningWindows('sun 22:00-02:00')).toEqual([{ day: 0, start: 1320, minutes: 240 }]);
    expect(parseOpeningWindows('mon-sun 00:00-24:00; ')).toHaveLength(7);
  });

  it('says what is wrong with a bad schedule or date', () => {
    expect(() => parseOpeningWindows('monday 09:00-17:00')).toThrow(/three-letter/);
    expect(() => parseOpeningWindows('mon-fri')).toThrow(/no time range/);
    expect(() => parseOpeningWindows('mon 9-17')).toThrow(/HH:MM-HH:MM/);
    expect(() => parseOpeningWindows('mon 09:00-25:00')).toThrow(/time of day/);
    expect(() => parseOpeningWindows(' ; ')).toThrow(/no opening/);
    expect(() => parseClosedDates('2026-02-30')).toThrow(/2026-02-30/);
    expect(parseClosedDates('2027-01-01, 2026-12-25,2026-12-25')).toEqual(['2026-12-25', '2027-01-01']);
  });

  it('is open inside a range and closed outside it, on the range end exclusive', () => {
    const office = hours('mon-fri 09:00-17:00');
    // 2026-12-07 is a Monday.
    expect(isOpen(office, at('2026-12-07T09:00:00Z'))).toBe(true);
    expect(isOpen(office, at('2026-12-07T16:59:59Z'))).toBe(true);
    expect(isOpen(office, at('2026-12-07T17:00:00Z'))).toBe(false);
    expect(isOpen(office, at('2026-12-07T08:59:59Z'))).toBe(false);
    expect(isOpen(office, at('2026-12-12T12:00:00Z'))).toBe(false);
  });

  it('finds the next opening over the weekend, in the team time zone, and now when open', () => {
    const berlin = hours('mon-fri 09:00-17:00', 'Europe/Berlin');
    // Friday 18:00 in Berlin (UTC+1 in December): next is Monday 09:00 Berlin = 08:00 UTC.
    expect(iso(nextOpening(berlin, at('2026-12-11T17:00:00Z')))).toBe('2026-12-14T08:00:00.000Z');
    expect(iso(nextOpening(berlin, at('2026-12-14T10:00:00Z')))).toBe('2026-12-14T10:00:00.000Z');
    // Summer time (UTC+2).
    expect(iso(nextOpening(berlin, at('2026-07-04T12:00:00Z')))).toBe('2026-07-06T07:00:00.000Z');
  });

  it('keeps local opening times across a daylight-saving change', () => {
    const ny = hours('mon-sun 08:00-09:00', 'America/New_York');
    // 2026-03-08: clocks go from 02:00 to 03:00 (EST UTC-5 -> EDT UTC-4).
    expect(iso(nextOpening(ny, at('2026-03-07T14:00:00Z')))).toBe('2026-03-08T12:00:00.000Z');
    expect(iso(nextOpening(ny, at('2026-03-06T14:00:00Z')))).toBe('2026-03-07T13:00:00.000Z');
    // A range starting at the skipped 02:30 opens at 03:30 EDT; 01:30 on the day clocks go back is the first one (EDT).
    expect(iso(nextOpening(hours('sun 02:30-04:00', 'America/New_York'), at('2026-03-08T05:00:00Z')))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(nextOpening(hours('sun 01:30-04:00', 'America/New_York'), at('2026-11-01T04:00:00Z')))).toBe('2026-11-01T05:30:00.000Z');
  });

  it('carries a range past midnight into the next day, but a closed date cancels the ranges that start on it', () => {
    const night = hours('fri 22:00-02:00');
    expect(isOpen(night, at('2026-12-12T01:30:00Z'))).toBe(true);
    expect(isOpen(night, at('2026-12-12T02:00:00Z'))).toBe(false);
    const holiday = hours('mon-fri 09:00-17:00', 'UTC', '2026-12-24,2026-12-25');
    expect(isOpen(holiday, at('2026-12-24T10:00:00Z'))).toBe(false);
    expect(iso(nextOpening(holiday, at('2026-12-23T18:00:00Z')))).toBe('2026-12-28T09:00:00.000Z');
    expect(nextOpening(hours('mon 09:00-10:00', 'UTC', '2026-12-07'), at('2026-12-07T09:30:00Z'))).toBe(at('2026-12-14T09:00:00Z'));
  });

  it('describes the next opening as a customer reads it', () => {
    const berlin = hours('mon-fri 09:00-17:00', 'Europe/Berlin');
    const friday = at('2026-12-11T17:00:00Z');
    expect(describeOpening(berlin, nextOpening(berlin, friday)!, friday)).toBe('Monday at 09:00 (Europe/Berlin time)');
    const early = at('2026-12-07T06:00:00Z');
    expect(describeOpening(berlin, nextOpening(berlin, early)!, early)).toBe('today at 09:00 (Europe/Berlin time)');
    const xmas = hours('mon-fri 09:00-17:00', 'UTC', '2026-12-24,2026-12-25,2026-12-28,2026-12-29,2026-12-30,2026-12-31');
    const eve = at('2026-12-23T18:00:00Z');
    expect(describeOpening(xmas, nextOpening(xmas, eve)!, eve)).toBe('Friday, January 1 at 09:00 (UTC)');
  });

  it('answers availability once per minute, exactly: the state changes on the minute a window closes', () => {
    const office = hours('mon-fri 09:00-17:00');
    expect(availabilityAt(office, at('2026-12-07T16:59:00Z'))).toEqual({ openNow: true, nextOpening: null, back: null });
    expect(availabilityAt(office, at('2026-12-07T16:59:59Z')).openNow).toBe(true);
    expect(availabilityAt(office, at('2026-12-07T17:00:00Z'))).toEqual({ openNow: false, nextOpening: '2026-12-08T09:00:00.000Z', back: 'Tuesday at 09:00 (UTC)' });
  });
});
