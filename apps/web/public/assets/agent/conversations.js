// Every conversation, not only the live ones: filter by state, search the messages' text, read a transcript, step in
// (take one still with the bot or waiting), and, for admins, erase one (GET /api/conversations, POST …/take,
// DELETE /api/conversations/:id).
import { api, withQuery } from '../lib/api.js';
import { h, listRow, notifier, replace, when } from '../lib/dom.js';
import { customerLine, messageItem } from '../lib/transcript.js';
import { notesPanel } from './notes.js';

const PAGE = 30;
const STATES = [
  ['', 'Any state'],
  ['bot', 'With the bot'],
  ['handoff_requested', 'Waiting for a person'],
  ['agent', 'With an agent'],
  ['closed', 'Imported transcripts'],
];
const STATE_LABEL = {
  bot: { text: 'bot', tone: '' },
  handoff_requested: { text: 'waiting', tone: 'warn' },
  agent: { text: 'with an agent', tone: 'good' },
  closed: { text: 'imported', tone: '' },
};

/** `openLive(id)`: shows a conversation the agent took in the live view, where they chat. */
export function createConversationsView(me, openLive) {
  const element = h('section', { class: 'conversations', 'aria-labelledby': 'conversations-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const search = h('input', {
    id: 'conversations-q',
    type: 'search',
    maxlength: 200,
    placeholder: 'Words or an order number',
  });
  const state = h(
    'select',
    { id: 'conversations-state' },
    ...STATES.map(([value, text]) => h('option', { value }, text)),
  );
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find conversations' },
    h('div', { class: 'field' }, h('label', { for: 'conversations-q' }, 'Search messages'), search),
    h('div', { class: 'field' }, h('label', { for: 'conversations-state' }, 'State'), state),
    h('button', { type: 'submit', class: 'primary' }, 'Search'),
  );
  const list = h('ul', { class: 'list', 'aria-label': 'Conversations' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more');
  const detail = h('div', { class: 'card detail' }, h('p', {}, 'Pick a conversation.'));
  let items = [];
  let total = 0;
  let current = null;
  let loaded = false;
  let requests = 0;

  element.append(
    h('h1', { id: 'conversations-title', class: 'visually-hidden' }, 'Conversations'),
    filters,
    status,
    h(
      'div',
      { class: 'split' },
      h('div', { class: 'card' }, h('h2', {}, 'Conversations'), list, more),
      detail,
    ),
  );

  async function load(append = false) {
    loaded = true;
    const request = ++requests;
    try {
      const page = await api(
        'GET',
        withQuery('/api/conversations', {
          limit: PAGE,
          offset: append ? items.length : 0,
          status: state.value || undefined,
          q: search.value.trim() || undefined,
        }),
      );
      if (request !== requests) return;
      items = append ? [...items, ...page.items] : page.items;
      total = page.total;
      renderList();
    } catch (error) {
      notice.error(error);
    }
  }

  function renderList() {
    replace(
      list,
      ...items.map((c) =>
        listRow({
          data: { 'conversation-id': c.id },
          current: current === c.id,
          text: c.lastMessage?.text ?? '(no messages yet)',
          meta: `${c.customer ? `${c.customer.name || c.customer.id} · ` : ''}${c.messageCount} message${c.messageCount === 1 ? '' : 's'} · ${when(c.updatedAt)}`,
          badge: STATE_LABEL[c.status],
          onSelect: () => show(c.id),
        }),
      ),
    );
    if (!items.length) list.append(h('li', { class: 'row-meta' }, 'No conversation matches.'));
    more.hidden = items.length >= total;
    notice.info(`${items.length} of ${total}`);
  }

  async function show(id) {
    current = id;
    renderList();
    replace(detail, h('p', {}, 'Loading…'));
    let conversation;
    try {
      conversation = await api('GET', `/api/conversations/${encodeURIComponent(id)}`);
    } catch (error) {
      replace(detail, h('p', { class: 'notice error', role: 'alert' }, error.message));
      return;
    }
    if (current !== id) return;
    const result = h('div', { class: 'notice' });
    const resultNotice = notifier(result);
    const actions = h('div', { class: 'actions' });
    if (conversation.status === 'bot' || conversation.status === 'handoff_requested') {
      const take = h('button', { type: 'button', class: 'primary' }, 'Take conversation');
      take.addEventListener('click', async () => {
        try {
          await api('POST', `/api/conversations/${encodeURIComponent(id)}/take`);
          await load();
          openLive(id);
        } catch (error) {
          resultNotice.error(error);
        }
      });
      actions.append(take);
    } else if (conversation.status === 'agent') {
      const go = h('button', { type: 'button', class: 'secondary' }, 'Open in live conversations');
      go.addEventListener('click', () => openLive(id));
      actions.append(go);
    }
    if (conversation.status !== 'closed') {
      // Any agent may resolve one with the bot or waiting; one an agent has, that agent or an admin (else a 409).
      const resolve = h('button', { type: 'button', class: 'secondary' }, 'Resolve');
      resolve.addEventListener('click', async () => {
        try {
          await api('POST', `/api/conversations/${encodeURIComponent(id)}/resolve`);
          await load();
          await show(id);
        } catch (error) {
          resultNotice.error(error);
        }
      });
      actions.append(resolve);
    }
    if (me.role === 'admin') {
      const erase = h('button', { type: 'button', class: 'danger' }, 'Erase conversation');
      erase.addEventListener('click', async () => {
        const reason = window.prompt(
          'Erase this conversation, its messages and the training examples labelled from it? This cannot be undone. Reason (kept in the audit log):',
        );
        if (reason === null) return;
        try {
          await api(
            'DELETE',
            withQuery(`/api/conversations/${encodeURIComponent(id)}`, { reason: reason.trim() || undefined }),
          );
          current = null;
          await load();
          replace(detail, h('p', { role: 'status' }, 'Erased.'));
        } catch (error) {
          resultNotice.error(error);
        }
      });
      actions.append(erase);
    }
    replace(
      detail,
      h(
        'h2',
        {},
        'Conversation ',
        h(
          'span',
          { class: `badge ${STATE_LABEL[conversation.status]?.tone ?? ''}` },
          STATE_LABEL[conversation.status]?.text ?? conversation.status,
        ),
      ),
      h(
        'p',
        { class: 'row-meta' },
        `Started ${when(conversation.createdAt)} · last activity ${when(conversation.updatedAt)}`,
      ),
      customerLine(conversation.customer, conversation.contactEmail),
      actions,
      result,
      h(
        'ol',
        { class: 'transcript', 'aria-label': 'Messages' },
        ...conversation.messages.map((m) => messageItem(m)),
      ),
      notesPanel(id).element,
    );
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  state.addEventListener('change', () => load());
  more.addEventListener('click', () => load(true));

  return { element, onShow: () => loaded || load(), reload: () => load() };
}
