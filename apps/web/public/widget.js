/*
 * Parley chat widget. Embed with one tag:
 *   <script src="https://chat.example.com/widget.js" data-parley-url="https://chat.example.com" data-title="Help"></script>
 * It adds a launcher button and a chat panel inside a Shadow DOM (the host page's styles cannot reach it, its
 * styles cannot leak out) and talks to the server's socket.io namespace /widget (docs/protocol.md).
 * Every text from a person or the bot is written with textContent, never parsed as HTML.
 */
(function () {
  'use strict';

  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (!script || window.__parleyWidget) return; // one widget per page, even if the tag is pasted twice
  window.__parleyWidget = true;

  const base = (script.dataset.parleyUrl || new URL(script.src, location.href).origin).replace(/\/+$/, '');
  const title = script.dataset.title || 'Chat with us';
  // Shown at the top of the conversation, never sent or stored; data-welcome="" shows none.
  const welcome =
    script.dataset.welcome ??
    "Hi! I'm the virtual assistant. Ask me about orders, deliveries, refunds, payments or your account, or ask for a person at any time.";
  // A signed-in customer, as the operator's server wrote them into the tag (data-user-hash: hex HMAC-SHA256 of the id
  // with WIDGET_IDENTITY_SECRET; docs/widget.md). Each customer gets their own slot in localStorage, so the next
  // person to sign in on a shared computer does not get the last one's conversation.
  const identity =
    script.dataset.userId && script.dataset.userHash
      ? {
          userId: script.dataset.userId,
          hash: script.dataset.userHash,
          ...(script.dataset.userName ? { name: script.dataset.userName } : {}),
          ...(script.dataset.userEmail ? { email: script.dataset.userEmail } : {}),
        }
      : null;
  let identityRefused = false;
  const anonymousKey = 'parley:' + base;
  const storageKey = identity ? anonymousKey + ':user:' + identity.userId : anonymousKey;
  const ACK_TIMEOUT_MS = 15000;
  const RETRYABLE = new Set(['INTERNAL_ERROR', 'DB_UNAVAILABLE', 'MODEL_NOT_READY', 'RATE_LIMITED', 'BUSY']);

  // ---- storage: the conversation token and the messages not yet acknowledged survive a reload -------------
  /** @returns {{ token?: string, open?: boolean, outbox: { cid: string, text: string }[] }} */
  function load() {
    try {
      let saved = JSON.parse(localStorage.getItem(storageKey) || '{}');
      // Signed in mid-chat: the anonymous conversation becomes the customer's (the server links it).
      if (identity && !saved.token) {
        saved = JSON.parse(localStorage.getItem(anonymousKey) || '{}');
        if (saved.token) localStorage.removeItem(anonymousKey);
      }
      return {
        token: saved.token,
        open: saved.open,
        outbox: Array.isArray(saved.outbox) ? saved.outbox : [],
      };
    } catch {
      // Private mode or a corrupt entry: start afresh rather than not at all.
      return { outbox: [] };
    }
  }
  const saved = load();
  function save() {
    const outbox = [...pending.values()].map((p) => ({ cid: p.cid, text: p.text }));
    try {
      localStorage.setItem(storageKey, JSON.stringify({ token: state.token, open: state.open, outbox }));
    } catch {
      // Storage full or blocked: the chat still works, it just will not resume after a reload.
    }
  }

  const state = {
    token: saved.token,
    open: !!saved.open,
    started: false,
    status: 'bot',
    conversationId: null,
  };
  /** Outgoing messages not yet acknowledged, by clientMessageId (insertion order = send order). */
  const pending = new Map();
  const seenSeq = new Set();
  const rendered = new Map(); // messageId or clientMessageId -> <li>
  const awaitingReply = new Set(); // messageIds of customer messages the bot has not answered yet
  const answered = new Set(); // replyTo of replies that arrived (a reply can beat its ack)

  // ---- DOM --------------------------------------------------------------------------------------------------
  /** Creates an element; `text` is always set as textContent. */
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {}))
      if (v !== undefined && v !== null) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // Icons as inline SVG (Material Design icon paths, Apache-2.0): emoji fonts are missing on many systems.
  const ICONS = {
    chat: 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2z',
    up: 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z',
    down: 'M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z',
  };
  function icon(name) {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('class', 'icon');
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', ICONS[name]);
    svg.append(path);
    return svg;
  }

  const host = el('div', { id: 'parley-widget', 'data-parley': '' });
  const shadow = host.attachShadow({ mode: 'open' });
  shadow.append(el('link', { rel: 'stylesheet', href: base + '/assets/widget.css' }));
  const launcher = el('button', {
    type: 'button',
    class: 'launcher',
    'aria-expanded': 'false',
    'aria-controls': 'parley-panel',
  });
  launcher.append(icon('chat'), el('span', { class: 'launcher-label' }, title));
  const panel = el('section', {
    id: 'parley-panel',
    class: 'panel',
    role: 'dialog',
    'aria-label': title,
    hidden: '',
  });
  const header = el('header', { class: 'header' });
  const heading = el('h2', { class: 'title' }, title);
  // Outside business hours: "We're away · back Monday at 09:00" under the title.
  const away = el('p', { class: 'availability', hidden: '' });
  const closeButton = el('button', { type: 'button', class: 'close', 'aria-label': 'Close chat' }, '\u00D7');
  const titles = el('div', { class: 'titles' });
  titles.append(heading, away);
  header.append(titles, closeButton);
  const connection = el('p', { class: 'connection', role: 'status' }, 'Connecting…');
  const log = el('ol', {
    class: 'log',
    role: 'log',
    'aria-live': 'polite',
    'aria-label': 'Conversation',
    tabindex: '0',
  });
  const typing = el('p', { class: 'typing', 'aria-live': 'polite', hidden: '' });
  const alertBox = el('div', { class: 'alert', role: 'alert', hidden: '' });
  const form = el('form', { class: 'composer' });
  const inputId = 'parley-input';
  const label = el('label', { for: inputId, class: 'visually-hidden' }, 'Your message');
  const input = el('textarea', {
    id: inputId,
    rows: '1',
    maxlength: '2000',
    placeholder: 'Type your message…',
    autocomplete: 'off',
  });
  const sendButton = el('button', { type: 'submit', class: 'send' }, 'Send');
  form.append(label, input, sendButton);
  panel.append(header, connection, log, typing, alertBox, form);
  addWelcome();
  shadow.append(launcher, panel);

  function setOpen(open, focus) {
    state.open = open;
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    host.classList.toggle('open', open);
    launcher.classList.toggle('is-open', open);
    save();
    if (open && focus) input.focus();
    if (!open && focus) launcher.focus();
    if (open) scrollToEnd();
  }
  launcher.addEventListener('click', () => setOpen(!state.open, true));
  closeButton.addEventListener('click', () => setOpen(false, true));
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') setOpen(false, true);
  });

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function showAlert(message, action) {
    alertBox.replaceChildren(el('span', {}, message));
    if (action) {
      const button = el('button', { type: 'button', class: 'link' }, action.label);
      button.addEventListener('click', action.run);
      alertBox.append(' ', button);
    }
    alertBox.hidden = false;
  }
  function clearAlert() {
    alertBox.hidden = true;
    alertBox.replaceChildren();
  }

  function updateTyping(agentTyping) {
    const botTyping = state.status === 'bot' && awaitingReply.size > 0;
    const text = agentTyping ? 'An agent is typing…' : botTyping ? 'Typing…' : '';
    typing.textContent = text;
    typing.hidden = !text;
  }

  // ---- rendering of messages ---------------------------------------------------------------------------------
  function addWelcome() {
    if (!welcome) return;
    const item = el('li', { class: 'welcome' });
    item.append(el('p', { class: 'welcome-text' }, welcome));
    log.append(item);
  }

  function appendItem(key, item) {
    rendered.set(key, item);
    // Buttons belong to the last message only: once anything follows, an earlier reply's are stale.
    for (const group of log.querySelectorAll('.suggestions')) group.remove();
    log.append(item);
    scrollToEnd();
  }

  function customerItem(cid, text) {
    const item = el('li', { class: 'msg customer', 'data-client-id': cid });
    item.append(
      el('span', { class: 'visually-hidden' }, 'You: '),
      el('p', { class: 'text' }, text),
      el('span', { class: 'state' }),
    );
    return item;
  }

  /** queued (not sent yet) | sending | sent | failed; a failed message gets a Retry button. */
  function setDeliveryState(item, kind, detail) {
    item.dataset.state = kind;
    const stateEl = item.querySelector('.state');
    const words = { queued: 'Waiting to send', sending: 'Sending…', sent: 'Sent', failed: 'Not sent' };
    stateEl.replaceChildren(el('span', {}, detail ? `${words[kind]}: ${detail}` : words[kind]));
    if (kind === 'failed') {
      const retry = el('button', { type: 'button', class: 'link retry' }, 'Retry');
      retry.addEventListener('click', () => {
        const cid = item.dataset.clientId;
        pending.set(cid, { cid, text: item.querySelector('.text').textContent, inFlight: false });
        save();
        setDeliveryState(item, 'queued');
        flush();
      });
      stateEl.append(' ', retry);
    }
  }

  function botItem(reply) {
    const item = el('li', {
      class: 'msg bot',
      'data-message-id': reply.messageId,
      'data-route': reply.route || '',
    });
    if (reply.modelVersion) item.dataset.modelVersion = reply.modelVersion;
    item.append(el('span', { class: 'visually-hidden' }, 'Bot: '), el('p', { class: 'text' }, reply.text));
    if (reply.sources && reply.sources.length) {
      const list = el('ul', { class: 'sources', 'aria-label': 'Sources' });
      for (const source of reply.sources) {
        const link = el(
          'a',
          { href: `${base}/help/${encodeURIComponent(source.id)}`, target: '_blank', rel: 'noopener' },
          source.title,
        );
        const entry = el('li');
        entry.append(link);
        list.append(entry);
      }
      item.append(list);
    }
    if (reply.suggestions && reply.suggestions.length) item.append(suggestionButtons(reply.suggestions));
    item.append(feedbackButtons(reply.messageId));
    return item;
  }

  /** Quick replies: send the text, ask for a person, or rate the person who helped (csat:send). */
  function suggestionButtons(suggestions) {
    const contact = suggestions.find((s) => s.action === 'contact:send');
    if (contact) return contactForm(contact);
    const rating = suggestions.some((s) => s.action === 'csat:send');
    const group = el('div', {
      class: 'suggestions',
      role: 'group',
      'aria-label': rating ? 'How would you rate the help you got?' : 'Suggested replies',
    });
    for (const suggestion of suggestions) {
      const button = el('button', { type: 'button', class: 'suggestion' }, suggestion.text);
      button.addEventListener('click', () => {
        if (suggestion.action === 'handoff:request') return requestHandoff();
        if (suggestion.action === 'csat:send') return rateHelp(suggestion.rating, group);
        send(suggestion.text);
      });
      group.append(button);
    }
    return group;
  }

  /** A rating of the person who helped; a second one (after a reload) replaces the first. */
  async function rateHelp(rating, group) {
    if (!state.started) return showAlert('Not connected yet; try again in a moment.');
    const buttons = [...group.querySelectorAll('button')];
    for (const button of buttons) button.disabled = true;
    const ack = await emit('csat:send', { rating });
    if (!ack.ok) {
      for (const button of buttons) button.disabled = false;
      return showAlert(`Could not send your rating: ${ack.error.message}`);
    }
    group.replaceWith(el('p', { class: 'thanks', role: 'status' }, 'Thank you for your feedback!'));
  }

  /** Nobody can answer now: the customer may leave an email for the answer (contact:send). */
  function contactForm(suggestion) {
    const form = el('form', { class: 'suggestions contact', 'aria-label': suggestion.text, novalidate: '' });
    const input = el('input', {
      type: 'email',
      name: 'email',
      autocomplete: 'email',
      required: '',
      maxlength: '254',
      placeholder: 'you@example.com',
      'aria-label': 'Your email',
    });
    const button = el('button', { type: 'submit', class: 'suggestion' }, suggestion.text);
    form.append(input, button);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const email = input.value.trim();
      if (!input.checkValidity() || !email) return showAlert('Please enter an email address such as you@example.com.');
      if (!state.started) return showAlert('Not connected yet; try again in a moment.');
      input.disabled = button.disabled = true;
      const ack = await emit('contact:send', { email });
      if (!ack.ok) {
        input.disabled = button.disabled = false;
        return showAlert(`Could not save your email: ${ack.error.message}`);
      }
      clearAlert();
      if (ack.data.message) renderView(ack.data.message);
      else form.replaceWith(el('p', { class: 'thanks', role: 'status' }, `We'll also answer at ${ack.data.email}.`));
    });
    return form;
  }

  function feedbackButtons(messageId) {
    const group = el('div', { class: 'feedback', role: 'group', 'aria-label': 'Was this helpful?' });
    for (const [rating, name] of [
      ['up', 'Helpful'],
      ['down', 'Not helpful'],
    ]) {
      const attrs = {
        type: 'button',
        class: 'rate',
        'data-rating': rating,
        'aria-pressed': 'false',
        'aria-label': name,
        title: name,
      };
      const button = el('button', attrs);
      button.append(icon(rating));
      button.addEventListener('click', () => rate(messageId, rating, group));
      group.append(button);
    }
    return group;
  }

  function authorItem(message) {
    const kind = message.author === 'agent' ? 'agent' : 'system';
    const item = el('li', { class: `msg ${kind}`, 'data-message-id': message.messageId });
    if (kind === 'agent') item.append(el('span', { class: 'author' }, message.agentName || 'Agent'));
    item.append(el('p', { class: 'text' }, message.text));
    if (message.suggestions && message.suggestions.length) item.append(suggestionButtons(message.suggestions));
    return item;
  }

  /** A message from history or resume (MessageView). */
  function renderView(view) {
    noteSeq(view.seq);
    if (rendered.has(view.messageId) || (view.clientMessageId && rendered.has(view.clientMessageId))) {
      if (view.clientMessageId && pending.has(view.clientMessageId))
        markSent(view.clientMessageId, view.messageId);
      return;
    }
    if (view.author === 'customer') {
      const item = customerItem(view.clientMessageId || view.messageId, view.text);
      setDeliveryState(item, 'sent');
      appendItem(view.messageId, item);
      if (view.clientMessageId) {
        rendered.set(view.clientMessageId, item);
        pending.delete(view.clientMessageId);
      }
    } else if (view.author === 'bot') {
      appendItem(view.messageId, botItem(view));
      if (view.replyTo) {
        answered.add(view.replyTo);
        awaitingReply.delete(view.replyTo);
      }
    } else {
      appendItem(view.messageId, authorItem(view));
    }
  }

  function noteSeq(seq) {
    if (typeof seq === 'number') seenSeq.add(seq);
  }
  /** Highest seq with every earlier one seen: what to resume from, so a gap is fetched again. */
  function contiguousSeq() {
    let seq = 0;
    while (seenSeq.has(seq + 1)) seq++;
    return seq;
  }

  // ---- the socket ---------------------------------------------------------------------------------------------
  let socket = null;

  function emit(event, payload) {
    return new Promise((resolve) => {
      socket.timeout(ACK_TIMEOUT_MS).emit(event, payload, (err, ack) => {
        resolve(err ? { ok: false, error: { code: 'TIMEOUT', message: 'No answer from the server' } } : ack);
      });
    });
  }

  async function startConversation() {
    const resuming = !!state.token;
    const ack = await emit('conversation:start', {
      ...(resuming ? { token: state.token, lastSeq: contiguousSeq() } : {}),
      ...(identity && !identityRefused ? { identity } : {}),
    });
    if (!ack.ok) {
      if (ack.error.code === 'IDENTITY_INVALID' || ack.error.code === 'IDENTITY_NOT_ACCEPTED') {
        // The site's set-up is wrong, not the customer's doing: tell the developer, chat anonymously.
        console.error(`Parley: the customer identity was refused (${ack.error.code}): ${ack.error.message}`);
        identityRefused = true;
        return startConversation();
      }
      if (ack.error.code === 'CONVERSATION_NOT_FOUND' || ack.error.code === 'IDENTITY_MISMATCH') {
        // The server no longer knows this conversation (erased), or it is another signed-in customer's: begin a new one.
        state.token = undefined;
        save();
        return startConversation();
      }
      showAlert(`Could not start the chat: ${ack.error.message}`);
      return;
    }
    if (ack.data.token) state.token = ack.data.token;
    state.conversationId = ack.data.conversationId;
    showAvailability(ack.data.availability);
    setStatus(ack.data.status);
    save();
    for (const view of ack.data.messages) renderView(view);
    state.started = true;
    connection.textContent = '';
    connection.hidden = true;
    flush();
  }

  /** Business hours: while the team is away, say so and when it is back (nothing without business hours). */
  function showAvailability(availability) {
    const isAway = Boolean(availability && !availability.openNow);
    away.hidden = !isAway;
    away.textContent = isAway ? (availability.back ? `We're away · back ${availability.back}` : "We're away") : '';
  }

  function setStatus(status) {
    state.status = status;
    panel.dataset.status = status;
    updateTyping(false);
  }

  async function connect() {
    const { io } = await import(base + '/assets/vendor/socket.io.esm.min.js');
    socket = io(base + '/widget', { transports: ['websocket'] });
    socket.on('connect', () => {
      clearAlert();
      startConversation().catch((error) => showAlert(`Could not start the chat: ${error.message}`));
    });
    socket.on('disconnect', () => {
      state.started = false;
      for (const p of pending.values()) p.inFlight = false;
      connection.hidden = false;
      connection.textContent = 'Offline: your messages will be sent when the connection is back.';
      for (const p of pending.values()) {
        const item = rendered.get(p.cid);
        if (item) setDeliveryState(item, 'queued');
      }
    });
    socket.on('connect_error', () => {
      connection.hidden = false;
      connection.textContent = 'Cannot reach the chat server. Retrying…';
    });
    socket.on('bot:reply', onBotReply);
    socket.on('agent:message', (message) => {
      noteSeq(message.seq);
      if (rendered.has(message.messageId)) return;
      appendItem(message.messageId, authorItem({ ...message, author: 'agent' }));
      updateTyping(false);
    });
    socket.on('handoff:queued', (event) => {
      setStatus(event.status);
      renderView(event.message);
    });
    // An agent took the conversation (`agent`) or gave it back to the bot (`bot`), with a note saying so.
    socket.on('conversation:status', (event) => {
      setStatus(event.status);
      if (event.message) renderView(event.message);
    });
    // The customer left an email for the answer (here or in another tab): the confirmation replaces the field.
    socket.on('conversation:contact', (event) => renderView(event.message));
    socket.on('typing:start', (event) => event.author === 'agent' && updateTyping(true));
    socket.on('typing:stop', (event) => event.author === 'agent' && updateTyping(false));
    socket.on('error', (error) => {
      if (error.code === 'CONVERSATION_NOT_FOUND') return conversationGone(error.message);
      showAlert(error.message || 'Something went wrong');
    });
  }

  function onBotReply(reply) {
    noteSeq(reply.seq);
    answered.add(reply.replyTo);
    awaitingReply.delete(reply.replyTo);
    // An agent's message may come as a reply with route `agent`: show it as the agent's, without ratings.
    if (!rendered.has(reply.messageId))
      appendItem(
        reply.messageId,
        reply.route === 'agent' ? authorItem({ ...reply, author: 'agent' }) : botItem(reply),
      );
    updateTyping(false);
  }

  // ---- sending ------------------------------------------------------------------------------------------------
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; a host page on plain http still gets a random v4 uuid.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  function send(text) {
    const clean = text.trim();
    if (!clean) return;
    // An agent resolved the conversation: what the customer writes next starts a new one.
    if (state.status === 'closed') newConversation();
    const cid = newId();
    pending.set(cid, { cid, text: clean, inFlight: false });
    save();
    const item = customerItem(cid, clean);
    setDeliveryState(item, 'queued');
    appendItem(cid, item);
    flush();
  }

  /** Sends every unacknowledged message, in order, with its original clientMessageId (the server dedupes). */
  function flush() {
    if (!state.started || !socket || !socket.connected) return;
    for (const p of pending.values()) {
      if (p.inFlight) continue;
      if (!rendered.has(p.cid)) {
        const item = customerItem(p.cid, p.text);
        appendItem(p.cid, item);
      }
      deliver(p);
    }
  }

  async function deliver(p) {
    p.inFlight = true;
    // Only the latest attempt's answer counts: an older one that times out after a reconnect is stale.
    const attempt = (p.attempt = (p.attempt || 0) + 1);
    const item = rendered.get(p.cid);
    setDeliveryState(item, 'sending');
    const ack = await emit('message:send', { clientMessageId: p.cid, text: p.text });
    if (p.attempt !== attempt && !ack.ok) return;
    p.inFlight = false;
    if (!pending.has(p.cid)) return; // already confirmed (history on resume)
    if (ack.ok) {
      noteSeq(ack.data.seq);
      markSent(p.cid, ack.data.messageId);
      if (!answered.has(ack.data.messageId) && state.status === 'bot') awaitingReply.add(ack.data.messageId);
      updateTyping(false);
      return;
    }
    const code = ack.error.code;
    if (code === 'TIMEOUT' || RETRYABLE.has(code)) {
      // Kept in the outbox: sent again after a delay or on reconnect, with the same clientMessageId. BUSY (the
      // server is catching up) shows nothing alarming: the message just stays "sending…".
      setDeliveryState(
        item,
        code === 'BUSY' ? 'sending' : 'queued',
        code === 'RATE_LIMITED' ? 'sending too fast, retrying soon' : undefined,
      );
      // Jitter: after an overload every waiting widget would otherwise resend at the same moment.
      const hint = Math.min(Math.max(Number(ack.error.retryAfterMs) || 2000, code === 'BUSY' ? 250 : 500), 60000);
      const delay = hint * (1 + Math.random() * 0.5);
      setTimeout(flush, delay);
      return;
    }
    if (code === 'CONVERSATION_CLOSED') {
      // Resolved meanwhile (in another tab, or just now): the message stays in the outbox and goes to a new one.
      setStatus('closed');
      newConversation();
      return;
    }
    pending.delete(p.cid);
    save();
    setDeliveryState(item, 'failed', ack.error.message);
    if (code === 'CONVERSATION_NOT_FOUND') conversationGone(ack.error.message);
  }

  /** The server erased this conversation: its token is forgotten (a reload starts afresh), a new one is offered. */
  function conversationGone(message) {
    state.token = undefined;
    save();
    showAlert(message || 'This conversation no longer exists.', { label: 'Start a new one', run: newConversation });
  }

  function markSent(cid, messageId) {
    pending.delete(cid);
    save();
    const item = rendered.get(cid);
    if (item) {
      setDeliveryState(item, 'sent');
      item.dataset.messageId = messageId;
      rendered.set(messageId, item);
    }
  }

  function newConversation() {
    state.token = undefined;
    state.started = false;
    setStatus('bot');
    seenSeq.clear();
    rendered.clear();
    log.replaceChildren();
    addWelcome();
    clearAlert();
    save();
    startConversation().catch((error) => showAlert(`Could not start the chat: ${error.message}`));
  }

  async function requestHandoff() {
    if (!state.started) return showAlert('Not connected yet; try again in a moment.');
    const ack = await emit('handoff:request', {});
    if (!ack.ok) return showAlert(`Could not reach a person: ${ack.error.message}`);
    setStatus(ack.data.status);
  }

  async function rate(messageId, rating, group) {
    if (!state.started) return showAlert('Not connected yet; try again in a moment.');
    const ack = await emit('feedback:send', { messageId, rating });
    if (!ack.ok) return showAlert(`Could not send your rating: ${ack.error.message}`);
    for (const button of group.querySelectorAll('button'))
      button.setAttribute('aria-pressed', String(button.dataset.rating === rating));
  }

  // ---- composer -----------------------------------------------------------------------------------------------
  let typingTimer = null;
  function typingStopped() {
    clearTimeout(typingTimer);
    if (typingTimer !== null && state.started) socket.emit('typing:stop', {});
    typingTimer = null;
  }
  input.addEventListener('input', () => {
    if (!state.started) return;
    if (typingTimer === null) socket.emit('typing:start', {});
    clearTimeout(typingTimer);
    typingTimer = setTimeout(typingStopped, 2000);
  });
  input.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter is a new line (as in most chat widgets).
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    typingStopped();
    send(input.value);
    input.value = '';
    input.focus();
  });

  // ---- start --------------------------------------------------------------------------------------------------
  function mount() {
    document.body.append(host);
    setOpen(state.open, false);
    for (const p of saved.outbox) {
      if (typeof p.cid !== 'string' || typeof p.text !== 'string') continue;
      pending.set(p.cid, { cid: p.cid, text: p.text, inFlight: false });
    }
    connect().catch((error) => {
      connection.hidden = false;
      connection.textContent = 'The chat could not load.';
      showAlert(`Could not load the chat client: ${error.message}`);
    });
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
