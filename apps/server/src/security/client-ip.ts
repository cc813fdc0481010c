/** The parts of a Node/Express request the IP is read from. */
export interface IpSource {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string } | null;
}

/**
 * The client's IP for per-IP limits, following Express's `trust proxy` semantics so REST and sockets agree:
 * `false` → the TCP peer; `true` → the left-most `X-Forwarded-For` entry; `n` → the entry n hops from the
 * peer. Trusting the header without a proxy in front lets a client pick its own IP, so it is off by default.
 */
export function clientIp(req: IpSource, trustProxy: boolean | number): string {
  const peer = normalise(req.socket?.remoteAddress ?? 'unknown');
  if (trustProxy === false || trustProxy === 0) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  // Nearest first: [peer, last proxy's client, ..., original client].
  const chain = [peer, ...forwarded.reverse().map(normalise)];
  if (trustProxy === true) return chain[chain.length - 1];
  return chain[Math.min(trustProxy, chain.length - 1)];
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
function normalise(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
