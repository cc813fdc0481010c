// Live conversations: the customers waiting for a person and those with an agent. Take one, chat, release it
// back to the bot. Everything updates live over the /agent socket.
import { api } from '../lib/api.js';
import { h, listRow, notifier, replace, uuid, when } from '../lib/dom.js';
import { request } from '../lib/shell.js';
import { addMessage, customerLine } from '../lib/transcript.js';
import { cannedPicker } from './canned.js';
import { notesPanel } from './notes.js';

export function createHandoffView(socket, me, counter) {
  const element = h('section', { class: 'handoffs', 'aria-labelledby': 'handoff-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const list = h('ul', { class: 'list', 'aria-label': 'Conversations handed to people' });
  const detail = h('div', { class: 'card detail' }, h('p', {}, 'Pick a conversation.'));
  const handoffs = new Map();
  let open = null; // { id, transcript, drafts }
  let draftRequests = 0;
  let loaded = false;

  element.append(
    h('h1', { id: 'handoff-title', class: 'visually-hidden' }, 'Live conversations'),
    status,
    h(
      'div',
      { class: 'split' },
      h('div', { class: 'card' }, h('h2', {}, 'Waiting and active'), list),
      detail,
    ),
  );

  async function load() {
    loaded = true;
    try {
      const page = await api('GET', '/api/handoffs');
      handoffs.clear();
      for (const handoff of page.items ?? page) handoffs.set(handoff.conversationId, handoff);
      renderList();
    } catch (error) {
      notice.error(error);
    }
  }

  function label(handoff) {
    if (handoff.status === 'handoff_requested') return { text: 'waiting', tone: 'warn' };
    if (handoff.assignedAgent?.id === me.id) return { text: 'with you', tone: 'good' };
    return { text: `with ${handoff.assignedAgent?.name ?? 'an agent'}`, tone: '' };
  }

  function renderList() {
    const items = [...handoffs.values()].sort((a, b) =>
      String(a.requestedAt).localeCompare(String(b.requestedAt)),
    );
    counter.textContent = String(items.filter((x) => x.status === 'handoff_requested').length);
    replace(
      list,
      ...items.map((handoff) => {
        return listRow({
          data: { 'conversation-id': handoff.conversationId },
          current: open?.id === handoff.conversationId,
          text: handoff.lastMessage?.text ?? '(no messages)',
          meta: `${handoff.customer ? `${handoff.customer.name || handoff.customer.id} · ` : ''}${handoff.contactEmail ? 'left an email · ' : ''}asked ${when(handoff.requestedAt)}`,
          badge: label(handoff),
          onSelect: () => show(handoff.conversationId),
        });
      }),
    );
    if (!items.length) list.append(h('li', { class: 'row-meta' }, 'No one is waiting.'));
    notice.clear();
  }

  async function show(id) {
    if (open && open.id !== id && !mine(open.id))
      request(socket, 'conversation:unwatch', { conversationId: open.id }).catch(() => undefined);
    const transcript = h('ol', { class: 'transcript', 'aria-label': 'Messages', 'aria-live': 'polite' });
    open = { id, transcript };
    renderList();
    replace(detail, h('p', {}, 'Loading…'));
    try {
      const [conversation] = await Promise.all([
        api('GET', `/api/conversations/${encodeURIComponent(id)}`),
        request(socket, 'conversation:watch', { conversationId: id }),
      ]);
      for (const message of conversation.messages) addMessage(transcript, message);
      renderDetail();
    } catch (error) {
      replace(detail, h('p', { class: 'notice error', role: 'alert' }, error.message));
    }
  }

  function mine(id) {
    return handoffs.get(id)?.assignedAgent?.id === me.id && handoffs.get(id)?.status === 'agent';
  }

  function renderDetail() {
    const id = open.id;
    const handoff = handoffs.get(id);
    const result = h('div', { class: 'notice' });
    const resultNotice = notifier(result);
    const act = (event, text) => {
      const button = h(
        'button',
        { type: 'button', class: event === 'handoff:take' ? 'primary' : 'secondary' },
        text,
      );
      button.addEventListener('click', async () => {
        try {
          const updated = await request(socket, event, { conversationId: id });
          update(updated);
        } catch (error) {
          resultNotice.error(error);
        }
      });
      return button;
    };
    const owned = mine(id);
    const input = h('textarea', {
      id: 'agent-reply',
      rows: 2,
      maxlength: 2000,
      disabled: !owned,
      placeholder: 'Type a reply, or / for canned responses',
    });
    const canned = cannedPicker(input);
    const form = h(
      'form',
      { class: 'composer', 'aria-label': 'Reply to the customer' },
      h('label', { for: 'agent-reply', class: 'visually-hidden' }, 'Your reply'),
      h('div', { class: 'composer-box' }, input, canned.listbox),
      h('button', { type: 'submit', class: 'primary', disabled: !owned }, 'Send'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      send(id, text, resultNotice);
    });
    input.addEventListener('keydown', (event) => {
      if (canned.onKeydown(event)) return;
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    const drafts = h('div', { class: 'drafts', role: 'group', 'aria-label': 'Suggested replies' });
    open.drafts = { box: drafts, input };
    if (owned) loadDrafts(id);
    open.notes = notesPanel(id);
    const tag = handoff ? label(handoff) : { text: 'back with the bot', tone: '' };
    replace(
      detail,
      h('h2', {}, 'Conversation ', h('span', { class: `badge ${tag.tone}` }, tag.text)),
      customerLine(handoff?.customer, handoff?.contactEmail),
      h(
        'div',
        { class: 'actions' },
        handoff && handoff.status === 'handoff_requested' ? act('handoff:take', 'Take conversation') : null,
        owned ? act('handoff:release', 'Hand back to the bot') : null,
        owned || handoff?.status === 'handoff_requested' ? act('conversation:resolve', 'Resolve') : null,
      ),
      open.transcript,
      drafts,
      form,
      result,
      open.notes.element,
    );
    if (owned) input.focus();
  }

  /**
   * Replies drafted from the answer templates for the customer's latest message (GET …/drafts). Pressing one puts
   * its text in the reply box, to edit and send; a draft is never sent by itself. A failed load shows none.
   */
  async function loadDrafts(id) {
    const request = ++draftRequests;
    let drafts = { items: [], articles: [] };
    try {
      drafts = await api('GET', `/api/conversations/${encodeURIComponent(id)}/drafts`);
    } catch {
      // none shown; the agent writes the reply
    }
    // A later request (the customer wrote again) wins over this one, whichever answers first.
    if (request !== draftRequests || open?.id !== id || !open.drafts) return;
    const { box, input } = open.drafts;
    const choice = (label, text, kind) => {
      const button = h('button', { type: 'button', class: `secondary ${kind}`, title: text }, label);
      button.addEventListener('click', () => {
        input.value = text;
        input.focus();
      });
      return button;
    };
    const choices = [
      ...drafts.items.map((d) => choice(d.name, d.text, 'draft-template')),
      ...drafts.articles.map((a) => choice(`Article: ${a.title}`, a.text, 'draft-article')),
    ];
    replace(box, ...(choices.length ? [h('span', { class: 'row-meta' }, 'Suggested replies:'), ...choices] : []));
  }

  /** Sends an agent message with a fresh clientMessageId; a timed-out send is retried with the same id. */
  async function send(conversationId, text, resultNotice, clientMessageId = uuid(), attempt = 1) {
    try {
      await request(socket, 'agent:message', { conversationId, clientMessageId, text });
      resultNotice.clear();
    } catch (error) {
      if (error.code === 'TIMEOUT' && attempt < 3)
        return send(conversationId, text, resultNotice, clientMessageId, attempt + 1);
      resultNotice.error(`Not sent: ${error.message}`);
    }
  }

  function update(handoff) {
    if (handoff.status === 'bot' || handoff.status === 'closed') handoffs.delete(handoff.conversationId);
    else handoffs.set(handoff.conversationId, handoff);
    renderList();
    if (open?.id === handoff.conversationId) renderDetail();
  }

  socket.on('handoff:new', update);
  socket.on('handoff:taken', update);
  socket.on('handoff:released', update);
  socket.on('handoff:resolved', update);
  // A customer left an email for the answer (nobody could reply at once).
  socket.on('conversation:contact', ({ conversationId, email }) => {
    const handoff = handoffs.get(conversationId);
    if (!handoff) return;
    handoff.contactEmail = email;
    renderList();
    if (open?.id === conversationId) renderDetail();
  });
  socket.on('conversation:note', (note) => {
    if (open?.id === note.conversationId) open.notes?.add(note);
  });
  socket.on('conversation:deleted', ({ conversationId }) => {
    handoffs.delete(conversationId);
    if (open?.id === conversationId) {
      open = null;
      replace(detail, h('p', { class: 'notice', role: 'status' }, 'An admin deleted this conversation.'));
    }
    renderList();
  });
  socket.on('conversation:message', ({ conversationId, message }) => {
    const handoff = handoffs.get(conversationId);
    if (handoff) {
      handoff.lastMessage = message;
      renderList();
    }
    if (open?.id === conversationId) {
      addMessage(open.transcript, message);
      if (message.author === 'customer' && mine(conversationId)) loadDrafts(conversationId);
    }
  });
  // After a reconnect the server has forgotten what this socket watched, and events may have been missed.
  let connectedBefore = socket.connected;
  socket.on('connect', () => {
    if (!connectedBefore) {
      connectedBefore = true;
      return;
    }
    load();
    if (open) show(open.id);
  });

  load();
  // Opened from elsewhere (all conversations): the taken conversation may not have reached the list yet.
  return { element, onShow: () => loaded || load(), open: (id) => show(id) };
}
