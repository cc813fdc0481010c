/**
 * Failed sign-ins per email + client IP, in process: after `maxFailures` within `windowMs` that pair is
 * refused until the window ends. A success clears it. (Several servers each count on their own.)
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the pair may try again; 0 when it may try now. */
  retryAfter(email: string, ip: string): number {
    const entry = this.failures.get(key(email, ip));
    if (!entry || entry.resetAt <= this.now() || entry.count < this.maxFailures) return 0;
    return Math.ceil((entry.resetAt - this.now()) / 1000);
  }

  fail(email: string, ip: string): void {
    const now = this.now();
    if (this.failures.size >= 10_000) this.sweep(now);
    const k = key(email, ip);
    const entry = this.failures.get(k);
    if (!entry || entry.resetAt <= now) this.failures.set(k, { count: 1, resetAt: now + this.windowMs });
    else entry.count += 1;
  }

  succeed(email: string, ip: string): void {
    this.failures.delete(key(email, ip));
  }

  /** Drops expired entries so a flood of distinct emails cannot grow the map without bound. */
  private sweep(now: number): void {
    for (const [k, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(k);
    // Still full: forget the oldest entries (Map keeps insertion order) rather than grow.
    for (const k of this.failures.keys()) {
      if (this.failures.size < 10_000) break;
      this.failures.delete(k);
    }
  }
}

const key = (email: string, ip: string) => `${email.trim().toLowerCase()}|${ip}`;
