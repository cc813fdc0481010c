// A conversation's messages as a list (review context, live chat). Text only, via textContent.
import { h, when } from './dom.js';

const AUTHOR = { customer: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System' };

/**
 * Who the customer is, for a heading: an identified customer (`{ id, name, email }`, verified by the widget's
 * signature) and the email they left for an answer (`contactEmail`, not verified); null when neither is known.
 */
export function customerLine(customer, contactEmail) {
  if (!customer && !contactEmail) return null;
  return h(
    'div',
    { class: 'customer-info' },
    customer
      ? h(
          'p',
          { class: 'customer-line' },
          h('strong', {}, customer.name || customer.id),
          customer.email ? ` · ${customer.email}` : '',
          ` · customer id ${customer.id}`,
        )
      : null,
    contactEmail
      ? h(
          'p',
          { class: 'contact-line' },
          'Answer by email too: ',
          h('strong', {}, contactEmail),
          ' (given in the chat, not verified)',
        )
      : null,
  );
}

/** One message (MessageView or a live event) as an <li>. */
export function messageItem(message, { highlightId } = {}) {
  const author = message.author || 'system';
  const name = message.agentName ? `${AUTHOR.agent}: ${message.agentName}` : AUTHOR[author] || author;
  return h(
    'li',
    {
      class: author + (highlightId && message.messageId === highlightId ? ' current' : ''),
      'data-message-id': message.messageId,
      'data-seq': message.seq,
    },
    h('span', { class: 'author' }, `${name} · ${when(message.createdAt)}`),
    message.text,
  );
}

/** Appends `message` to `list` unless a message with its id is there already; keeps seq order. */
export function addMessage(list, message) {
  if (message.messageId && list.querySelector(`[data-message-id="${CSS.escape(message.messageId)}"]`))
    return false;
  const item = messageItem(message);
  const later = [...list.children].find((li) => Number(li.dataset.seq) > message.seq);
  list.insertBefore(item, later || null);
  list.scrollTop = list.scrollHeight;
  return true;
}
