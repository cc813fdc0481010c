// REST client of the consoles: bearer token from the login, typed errors `{ status, code, message }`.

const TOKEN_KEY = 'parley:session';

/** A refused request: the server's `{ code, message }` body plus the HTTP status and any row errors. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || `HTTP ${status}`);
    this.status = status;
    this.code = body.code || `HTTP_${status}`;
    this.body = body;
    // Per-row errors (imports) as readable lines.
    const rows = body.errors || body.rows;
    this.details = Array.isArray(rows)
      ? rows.map((r) =>
          [r.line ?? r.row, r.field, r.message].filter((v) => v !== undefined && v !== null).join(': '),
        )
      : [];
  }
}

/** The stored session (token, expiry, user) or null. sessionStorage: closing the tab signs out. */
export function session() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) || 'null');
    if (saved && Date.parse(saved.expiresAt) > Date.now()) return saved;
  } catch {
    // A corrupt entry counts as signed out.
    sessionStorage.removeItem(TOKEN_KEY);
  }
  return null;
}

export function saveSession(login) {
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(login));
}

export function clearSession() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Calls the API. `body`: an object (sent as JSON), or `{ raw, type }` for a file upload.
 * Resolves with the parsed JSON (or null for 204); rejects with ApiError. A 401 clears the session and
 * fires `parley:signed-out` so the page can show the login form again.
 */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = session()?.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let payload;
  if (body && body.raw !== undefined) {
    headers['content-type'] = body.type;
    payload = body.raw;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload });
  } catch (error) {
    throw new ApiError(0, { code: 'NETWORK', message: `The server cannot be reached (${error.message})` });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text.slice(0, 200) };
  }
  if (!response.ok) {
    if (response.status === 401 && token) {
      clearSession();
      window.dispatchEvent(new CustomEvent('parley:signed-out'));
    }
    throw new ApiError(response.status, data || {});
  }
  return data;
}

/** Builds `path?k=v` from the non-empty entries of `params`. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== '' && value !== null && value !== undefined) query.set(key, String(value));
  const q = query.toString();
  return q ? `${path}?${q}` : path;
}
