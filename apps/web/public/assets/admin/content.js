// Answer templates, knowledge-base articles and agents' canned responses: list, search, edit, create, delete (the
// content REST API).
import { api, withQuery } from '../lib/api.js';
import { h, listRow, notifier, replace } from '../lib/dom.js';

/**
 * Form fields of each kind: [key, label, type, new item's value (checkboxes; default on)]; lists are one item per line,
 * prompts `label: text` lines.
 */
const KINDS = {
  templates: {
    title: 'Answer templates',
    singular: 'template',
    path: '/api/content/templates',
    summary: (t) => [
      t.intent,
      `${t.name} · ${t.variants.length} variant(s)${t.webhook ? ' · webhook' : ''}${t.enabled ? '' : ' · disabled'}`,
    ],
    fields: [
      ['intent', 'Intent', 'text'],
      ['name', 'Name', 'text'],
      ['variants', 'Reply variants (one per line; {{entity}} and {{company.key}} are filled in)', 'lines'],
      ['required_entities', 'Required entities (one per line; a|b = either)', 'lines'],
      ['prompts', 'Prompts for missing entities (one per line: entity: question)', 'pairs'],
      ['enabled', 'Enabled', 'checkbox'],
      [
        'webhook',
        'Answer through the fulfillment webhook (FULFILLMENT_URL); the variants are its fallback',
        'checkbox',
        false,
      ],
    ],
  },
  articles: {
    title: 'Knowledge base',
    singular: 'article',
    path: '/api/content/articles',
    summary: (a) => [a.title, `${a.slug}${a.intent ? ` · ${a.intent}` : ''}`],
    fields: [
      ['title', 'Title', 'text'],
      ['slug', 'Slug', 'text'],
      ['intent', 'Intent (optional)', 'text'],
      ['questions', 'Example questions (one per line)', 'lines'],
      ['body', 'Body', 'long'],
    ],
  },
  canned: {
    title: 'Canned responses',
    singular: 'canned response',
    path: '/api/content/canned-responses',
    summary: (r) => [`/${r.short_code}`, r.title],
    fields: [
      ['short_code', 'Short code (agents type /code in the reply box)', 'text'],
      ['title', 'Title', 'text'],
      ['text', 'Reply ({{agent.name}} and {{company.key}} are filled in)', 'long'],
    ],
  },
};

export function createContentView(kind) {
  const spec = KINDS[kind];
  const element = h('section', { class: `content-${kind}`, 'aria-labelledby': `${kind}-title` });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const search = h('input', { id: `${kind}-search`, type: 'search', placeholder: 'Filter by any text' });
  const list = h('ul', { class: 'list', 'aria-label': spec.title });
  const editor = h('div', { class: 'card detail' }, h('p', {}, `Pick a ${spec.singular} or create one.`));
  const create = h('button', { type: 'button', class: 'primary' }, `New ${spec.singular}`);
  let items = [];
  let loaded = false;

  element.append(
    h('h1', { id: `${kind}-title`, class: 'visually-hidden' }, spec.title),
    h(
      'div',
      { class: 'filters' },
      h(
        'div',
        { class: 'field' },
        h('label', { for: `${kind}-search` }, `Search ${spec.title.toLowerCase()}`),
        search,
      ),
      create,
    ),
    status,
    h('div', { class: 'split' }, h('div', { class: 'card' }, h('h2', {}, spec.title), list), editor),
  );

  async function load() {
    loaded = true;
    try {
      const page = await api('GET', withQuery(spec.path, { limit: 1000 }));
      items = page.items;
      renderList();
    } catch (error) {
      notice.error(error);
    }
  }

  function renderList() {
    const q = search.value.trim().toLowerCase();
    const shown = items.filter((item) => !q || JSON.stringify(item).toLowerCase().includes(q));
    replace(
      list,
      ...shown.map((item) => {
        const [text, meta] = spec.summary(item);
        return listRow({ data: { id: item.id }, text, meta, onSelect: () => edit(item) });
      }),
    );
    notice.info(`${shown.length} of ${items.length}`);
  }
  search.addEventListener('input', renderList);
  create.addEventListener('click', () => edit(null));

  function edit(item, message) {
    const controls = {};
    const result = h('div', { class: 'notice' });
    const resultNotice = notifier(result);
    const form = h('form', {
      class: 'editor',
      'aria-label': item ? `Edit ${spec.singular}` : `New ${spec.singular}`,
    });
    for (const [key, label, type, initial] of spec.fields) {
      const id = `${kind}-field-${key}`;
      const value = item
        ? item[key]
        : type === 'checkbox'
          ? (initial ?? true)
          : type === 'lines'
            ? []
            : type === 'pairs'
              ? {}
              : '';
      const control = fieldControl(id, type, value);
      controls[key] = { control, type };
      form.append(
        type === 'checkbox'
          ? h('div', {}, control, ' ', h('label', { for: id }, label))
          : h('div', { class: 'field' }, h('label', { for: id }, label), control),
      );
    }
    const save = h('button', { type: 'submit', class: 'primary' }, item ? 'Save' : 'Create');
    const remove = item ? h('button', { type: 'button', class: 'danger' }, 'Delete') : null;
    form.append(h('div', { class: 'actions' }, save, remove), result);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {};
      for (const [key, { control, type }] of Object.entries(controls)) body[key] = readControl(control, type);
      if (kind === 'articles' && !body.intent) body.intent = null;
      try {
        const saved = await api(
          item ? 'PATCH' : 'POST',
          item ? `${spec.path}/${encodeURIComponent(item.id)}` : spec.path,
          body,
        );
        await load();
        edit(saved, 'Saved.');
      } catch (error) {
        resultNotice.error(error);
      }
    });
    remove?.addEventListener('click', async () => {
      if (!window.confirm(`Delete this ${spec.singular}? This cannot be undone.`)) return;
      try {
        await api('DELETE', `${spec.path}/${encodeURIComponent(item.id)}`);
        await load();
        replace(editor, h('p', { role: 'status' }, 'Deleted.'));
      } catch (error) {
        resultNotice.error(error);
      }
    });
    replace(editor, h('h2', {}, item ? `Edit ${spec.singular}` : `New ${spec.singular}`), form);
    if (message) resultNotice.info(message);
    else form.querySelector('input, textarea')?.focus();
  }

  return { element, onShow: () => loaded || load() };
}

function fieldControl(id, type, value) {
  if (type === 'checkbox') return h('input', { id, type: 'checkbox', checked: Boolean(value) });
  if (type === 'text') return h('input', { id, value: value ?? '' });
  const text =
    type === 'lines'
      ? (value ?? []).join('\n')
      : type === 'pairs'
        ? Object.entries(value ?? {})
            .map(([k, v]) => `${k}: ${v}`)
            .join('\n')
        : (value ?? '');
  return h('textarea', { id, rows: type === 'long' ? 10 : 4, value: text });
}

function readControl(control, type) {
  if (type === 'checkbox') return control.checked;
  if (type === 'lines')
    return control.value
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  if (type === 'pairs') {
    const out = {};
    for (const line of control.value.split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return out;
  }
  return control.value.trim();
}
