// Small DOM helpers for the consoles. Data is only ever written with textContent (or attributes), never as HTML.

/**
 * Creates an element. `attrs`: attributes (`class`, `aria-*`, ...); `on*` functions become listeners;
 * `false`/`null`/`undefined` values are skipped. Children: nodes, or strings (added as text nodes).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'value') node.value = value;
    else if (key === 'checked' || key === 'selected') node[key] = Boolean(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** Appends children (nodes or text) to `node`. */
export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces every child of `node`. */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/**
 * One entry of a master list (review queue, handoffs, jobs, content): an <li> with a full-width button showing a
 * text line and a meta line, ending in a badge when `badge` is given. `data` becomes data-* attributes of both.
 */
export function listRow({ data = {}, current = false, text, meta, badge, onSelect }) {
  const attrs = Object.fromEntries(Object.entries(data).map(([key, value]) => [`data-${key}`, value]));
  const button = h(
    'button',
    { type: 'button', class: 'row-button', 'aria-current': String(current), ...attrs },
    h('span', { class: 'row-text' }, text),
    h(
      'span',
      { class: 'row-meta' },
      meta,
      badge ? ' ' : null,
      badge ? h('span', { class: `badge ${badge.tone ?? ''}` }, badge.text) : null,
    ),
  );
  button.addEventListener('click', onSelect);
  return h('li', attrs, button);
}

/** Marks the row whose `data-<key>` is `id` as the current one (aria-current) and clears the others. */
export function markCurrent(list, key, id) {
  for (const button of list.querySelectorAll('.row-button'))
    button.setAttribute('aria-current', String(button.getAttribute(`data-${key}`) === id));
}

/** A metric already on the 0–100 scale (training reports, gate): `99.08` → `99.1 %`; null → `–`. */
export function points(value, digits = 1) {
  return typeof value === 'number' ? `${value.toFixed(digits)} %` : '–';
}

/** `0.873` → `87.3 %`; null → `–`. */
export function percent(value, digits = 1) {
  return typeof value === 'number' ? `${(value * 100).toFixed(digits)} %` : '–';
}

/** A short local date and time. */
export function when(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/** A random uuid (v4), also outside secure contexts. */
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * The text with entity spans wrapped in <mark data-label>, built from text slices:
 * overlapping or out-of-range spans are skipped rather than garbling the text.
 * @param {string} text
 * @param {{ start: number, end: number, label: string }[]} spans
 */
export function highlight(text, spans) {
  const out = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at || span.end > text.length || span.end <= span.start) continue;
    out.push(text.slice(at, span.start));
    // The label is shown by CSS (mark::after), so the element's text stays exactly the customer's text and a
    // selection inside it maps to character offsets.
    out.push(
      h('mark', { 'data-label': span.label || '?', title: span.label }, text.slice(span.start, span.end)),
    );
    at = span.end;
  }
  out.push(text.slice(at));
  return out;
}

/** A status line for screen readers and sighted users (`role=status`); errors use `role=alert`. */
export function notifier(region) {
  return {
    info(message) {
      region.className = 'notice info';
      region.setAttribute('role', 'status');
      region.textContent = message;
    },
    error(error) {
      region.className = 'notice error';
      region.setAttribute('role', 'alert');
      const details = error && Array.isArray(error.details) ? error.details : [];
      replace(region, error && error.message ? error.message : String(error));
      if (details.length)
        region.append(
          h(
            'ul',
            {},
            details.slice(0, 50).map((d) => h('li', {}, d)),
          ),
        );
    },
    clear() {
      region.className = 'notice';
      region.textContent = '';
    },
  };
}
