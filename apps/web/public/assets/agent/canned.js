// Canned responses in the reply box: typing "/" and a short code (or words) lists the saved replies that match
// (GET /api/content/canned-responses?q=…); ↑/↓ pick one, Enter or Tab or a click puts its text, filled in for this
// agent, in the box to edit and send. Escape closes the list. A combobox with a listbox popup (WAI-ARIA 1.2).
import { api, withQuery } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';

/** The whole reply box is a slash command: "/", then what to search (short code or words). */
const COMMAND = /^\/([^\n]{0,60})$/;
const SHOWN = 8;
const DEBOUNCE_MS = 120;

/**
 * Wires the picker to `input` (a textarea). Returns the listbox element to place under it, and `onKeydown`, which
 * the box's own keydown handler calls first: true when the key was the picker's (Enter must not send then).
 */
export function cannedPicker(input) {
  const listbox = h('ul', {
    id: `${input.id}-canned`,
    class: 'canned-picker',
    role: 'listbox',
    'aria-label': 'Canned responses',
    hidden: true,
  });
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-controls', listbox.id);
  input.setAttribute('aria-expanded', 'false');
  let items = [];
  let active = -1;
  let requests = 0;
  let timer = null;

  function close() {
    clearTimeout(timer);
    requests++; // an answer still on its way is dropped
    items = [];
    active = -1;
    listbox.hidden = true;
    replace(listbox);
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
  }

  async function search(q) {
    const request = ++requests;
    let page = { items: [] };
    try {
      page = await api(
        'GET',
        withQuery('/api/content/canned-responses', { q: q || undefined, limit: SHOWN }),
      );
    } catch {
      // the list stays empty; the agent types the reply
    }
    if (request !== requests) return;
    items = page.items;
    active = items.length ? 0 : -1;
    render(q);
  }

  function render(q) {
    replace(
      listbox,
      ...(items.length
        ? items.map((item, i) =>
            h(
              'li',
              {
                id: `${listbox.id}-${i}`,
                role: 'option',
                'aria-selected': String(i === active),
                'data-short-code': item.short_code,
                // mousedown, not click: the textarea keeps the focus
                onmousedown: (event) => {
                  event.preventDefault();
                  choose(i);
                },
              },
              h('span', { class: 'canned-code' }, `/${item.short_code}`),
              ' ',
              h('span', { class: 'row-meta' }, item.title),
            ),
          )
        : [
            h(
              'li',
              { class: 'canned-empty', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false' },
              q
                ? `No canned response matches “${q}”`
                : 'No canned responses yet: an admin adds them in the admin area.',
            ),
          ]),
    );
    listbox.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (active >= 0) input.setAttribute('aria-activedescendant', `${listbox.id}-${active}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function choose(i) {
    const item = items[i];
    if (!item) return;
    input.value = item.rendered ?? item.text;
    close();
    input.focus();
    input.setSelectionRange(input.value.length, input.value.length);
  }

  input.addEventListener('input', () => {
    const match = COMMAND.exec(input.value);
    if (!match) return close();
    clearTimeout(timer);
    timer = setTimeout(() => search(match[1].trim()), DEBOUNCE_MS);
  });
  input.addEventListener('blur', close);

  function onKeydown(event) {
    if (listbox.hidden) return false;
    if (event.key === 'Escape') {
      close();
    } else if ((event.key === 'ArrowDown' || event.key === 'ArrowUp') && items.length) {
      active = (active + (event.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      render(COMMAND.exec(input.value)?.[1].trim() ?? '');
    } else if ((event.key === 'Enter' || event.key === 'Tab') && !event.shiftKey && active >= 0) {
      choose(active);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  return { listbox, onKeydown };
}
