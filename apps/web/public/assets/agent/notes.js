// Private notes on a conversation (GET/POST /api/conversations/:id/notes): what agents tell each other. Never shown
// to the customer. The live view also appends the notes other agents add (`conversation:note`).
import { api } from '../lib/api.js';
import { h, notifier, replace, when } from '../lib/dom.js';

/** A "Private notes" section for conversation `id`; `add(note)` shows a note that arrived live. */
export function notesPanel(id) {
  const list = h('ul', { class: 'notes', 'aria-label': 'Private notes' });
  const input = h('textarea', {
    id: `note-${id}`,
    rows: 2,
    maxlength: 2000,
    placeholder: 'Only agents see notes',
  });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const form = h(
    'form',
    { class: 'composer note-composer', 'aria-label': 'Add a private note' },
    h('label', { for: `note-${id}`, class: 'visually-hidden' }, 'Private note'),
    input,
    h('button', { type: 'submit', class: 'secondary' }, 'Add note'),
  );
  const element = h(
    'details',
    { class: 'notes-panel' },
    h('summary', {}, 'Private notes'),
    list,
    form,
    status,
  );
  const shown = new Set();

  function add(note) {
    if (shown.has(note.id)) return;
    shown.add(note.id);
    list.querySelector('.row-meta.empty')?.remove();
    list.append(
      h(
        'li',
        { 'data-note-id': note.id },
        h('span', { class: 'author' }, `${note.author?.name ?? 'A former agent'} · ${when(note.createdAt)}`),
        note.text,
      ),
    );
  }

  async function load() {
    try {
      const notes = await api('GET', `/api/conversations/${encodeURIComponent(id)}/notes`);
      replace(list);
      shown.clear();
      if (!notes.length) list.append(h('li', { class: 'row-meta empty' }, 'No notes yet.'));
      for (const note of notes) add(note);
      // Open it when there is something to read.
      if (notes.length) element.open = true;
    } catch (error) {
      notice.error(error);
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    try {
      add(await api('POST', `/api/conversations/${encodeURIComponent(id)}/notes`, { text }));
      input.value = '';
      notice.clear();
    } catch (error) {
      notice.error(error);
    }
  });

  load();
  return { element, add };
}
