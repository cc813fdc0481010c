/**
 * Which browser origins may open a socket or read REST responses (`CORS_ORIGINS`). A websocket upgrade is not
 * covered by CORS: without this check any site a customer or agent visits could open a socket to Parley from
 * their browser (cross-site websocket hijacking). Entries: exact origins (`https://shop.example.com`),
 * `self` (the origin is this server's own host), `localhost` (http/https on localhost, 127.0.0.1 or [::1], any
 * port); `'*'` allows any.
 */
export type OriginAllowList = readonly string[] | '*';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Whether a request carrying `origin` may proceed. `host` is the request's Host header (for `self`); pass
 * `undefined` where it is unknown (a CORS decision: a same-origin request needs no CORS headers anyway).
 * A request without an Origin header is not from a browser page (a server, the CLI, a native app), which
 * cannot be hijacked this way and could forge the header anyway: it is allowed.
 */
export function isOriginAllowed(allowList: OriginAllowList, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (allowList === '*') return true;
  const url = parseOrigin(origin);
  if (!url) return false;
  for (const entry of allowList) {
    if (entry === 'self') {
      if (host !== undefined && url.host === host.toLowerCase()) return true;
    } else if (entry === 'localhost') {
      if (LOOPBACK_HOSTS.has(url.hostname)) return true;
    } else if (url.origin === parseOrigin(entry)?.origin) {
      return true;
    }
  }
  return false;
}

/** An http(s) origin, or null (`null`, `file://`, garbage). */
function parseOrigin(value: string): URL | null {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}
