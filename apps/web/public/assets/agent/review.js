// Review queue: filter, open a turn (text with entity spans, full ranking with raw scores, context), then
// confirm the prediction or correct its intent and entity spans. Each decision becomes a training example.
import { api, withQuery } from '../lib/api.js';
import { h, highlight, listRow, markCurrent, notifier, percent, replace, when } from '../lib/dom.js';
import { messageItem } from '../lib/transcript.js';

const ROUTES = ['template', 'slot_prompt', 'retrieval', 'fallback'];
const REASONS = ['low_confidence', 'fallback', 'thumbs_down', 'flagged'];
const PAGE_SIZE = 50;

export function createReviewView(socket) {
  const element = h('section', { class: 'review', 'aria-labelledby': 'review-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const intents = h('datalist', { id: 'known-intents' });
  const labels = h('datalist', { id: 'known-labels' });
  const list = h('ul', { class: 'list', 'aria-label': 'Turns to review' });
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Load more');
  const detail = h(
    'div',
    { class: 'card detail', 'aria-live': 'polite' },
    h('p', {}, 'Pick a turn to review.'),
  );
  let filter = { status: 'pending' };
  let loaded = false;
  let nextCursor = null;
  let current = null;

  const form = filterForm((values) => {
    filter = values;
    load(false);
  });
  // On a phone the filters fold away behind a summary so the queue itself is on the first screen.
  const filters = h(
    'details',
    { class: 'filter-box', open: matchMedia('(min-width: 721px)').matches },
    h('summary', {}, 'Filters'),
    form,
  );
  element.append(
    h('h1', { id: 'review-title', class: 'visually-hidden' }, 'Review queue'),
    filters,
    status,
    intents,
    labels,
    h('div', { class: 'split' }, h('div', { class: 'card' }, h('h2', {}, 'Turns'), list, more), detail),
  );
  more.addEventListener('click', () => load(true));

  async function load(append) {
    loaded = true;
    notice.info('Loading…');
    try {
      const page = await api(
        'GET',
        withQuery('/api/review', { ...filter, limit: PAGE_SIZE, cursor: append ? nextCursor : '' }),
      );
      if (!append) list.replaceChildren();
      for (const item of page.items) list.append(row(item));
      nextCursor = page.nextCursor;
      more.hidden = !nextCursor;
      notice.info(
        list.children.length ? `${list.children.length} turn(s)` : 'Nothing to review with these filters.',
      );
    } catch (error) {
      notice.error(error);
    }
  }

  function row(item) {
    return listRow({
      data: { 'review-id': item.id, 'review-conversation': item.conversationId },
      current: current === item.id,
      text: item.text,
      meta: `${item.intent ?? 'no intent'} · ${percent(item.confidence)} · ${item.route ?? '–'} · ${item.reason} · ${when(item.createdAt)}`,
      badge: { text: item.status, tone: item.status === 'pending' ? 'warn' : 'good' },
      onSelect: () => open(item.id),
    });
  }

  function matches(item) {
    if (filter.status && filter.status !== 'all' && item.status !== filter.status) return false;
    if (filter.reason && item.reason !== filter.reason) return false;
    if (filter.intent && item.intent !== filter.intent) return false;
    if (filter.route && item.route !== filter.route) return false;
    if (filter.minConfidence && (item.confidence ?? 0) < Number(filter.minConfidence)) return false;
    if (filter.maxConfidence && (item.confidence ?? 1) > Number(filter.maxConfidence)) return false;
    return true;
  }

  function upsertRow(item, prepend) {
    const old = list.querySelector(`li[data-review-id="${CSS.escape(item.id)}"]`);
    if (old) old.replaceWith(row(item));
    else if (prepend && matches(item)) list.prepend(row(item));
  }

  async function open(id) {
    current = id;
    markCurrent(list, 'review-id', id);
    replace(detail, h('p', {}, 'Loading…'));
    try {
      const item = await api('GET', `/api/review/${encodeURIComponent(id)}`);
      replace(detail, ...reviewDetail(item));
      detail.querySelector('h2')?.focus();
    } catch (error) {
      replace(detail, h('p', { class: 'notice error', role: 'alert' }, error.message));
    }
  }

  function reviewDetail(item) {
    for (const score of item.ranking) addOption(intents, score.name);
    for (const entity of item.entities) addOption(labels, entity.label);
    const saved = item.label;
    const spans = (saved ? saved.entities : item.entities).map(({ start, end, label }) => ({
      start,
      end,
      label,
    }));
    const utterance = h('p', { class: 'utterance', id: 'review-text' });
    const spanRows = h('tbody');
    const intentInput = h('input', {
      id: 'review-intent',
      list: 'known-intents',
      value: saved ? saved.intent : (item.intent ?? ''),
      required: true,
    });
    const result = h('div', { class: 'notice' });
    const resultNotice = notifier(result);

    function redraw() {
      replace(utterance, ...highlight(item.text, spans));
      const remove = (i) => () => {
        spans.splice(i, 1);
        redraw();
      };
      replace(spanRows, ...spans.map((span, i) => spanRow(item.text, span, remove(i), redraw)));
    }
    redraw();

    const addFromSelection = h(
      'button',
      { type: 'button', class: 'secondary' },
      'Add span from selected text',
    );
    addFromSelection.addEventListener('click', () => {
      const range = selectionOffsets(utterance);
      if (!range) return resultNotice.error('Select part of the customer text first.');
      if (spans.some((s) => s.start < range.end && range.start < s.end))
        return resultNotice.error('That overlaps an existing span.');
      spans.push({ ...range, label: '' });
      redraw();
      spanRows.querySelector('tr:last-child input')?.focus();
    });

    async function decide(action) {
      const body =
        action === 'confirm' ? { action } : { action, intent: intentInput.value.trim(), entities: spans };
      if (action === 'correct' && spans.some((s) => !s.label.trim()))
        return resultNotice.error('Every span needs a label.');
      resultNotice.info('Saving…');
      try {
        const decision = await api('POST', `/api/review/${encodeURIComponent(item.id)}/decision`, body);
        upsertRow(decision.item, false);
        resultNotice.info(`Saved as a training example (${decision.item.status}).`);
      } catch (error) {
        resultNotice.error(error);
      }
    }
    const confirm = h('button', { type: 'button', class: 'primary' }, 'Confirm prediction');
    confirm.addEventListener('click', () => decide('confirm'));
    const correct = h('button', { type: 'button', class: 'primary' }, 'Save correction');
    correct.addEventListener('click', () => decide('correct'));

    return [
      h('h2', { tabindex: '-1' }, 'Turn under review'),
      h(
        'p',
        { class: 'row-meta' },
        `${item.reason} · ${item.route ?? '–'} · model ${item.modelVersion ?? '–'} · ${when(item.createdAt)} · ${item.status}`,
      ),
      utterance,
      saved
        ? h('p', { class: 'row-meta' }, `Labelled before as ${saved.intent} (${when(saved.updatedAt)})`)
        : null,
      h('h3', {}, 'Predicted intents'),
      rankingTable(item.ranking),
      h('h3', {}, 'Label'),
      h('div', { class: 'field' }, h('label', { for: 'review-intent' }, 'Intent'), intentInput),
      h('h3', {}, 'Entity spans'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'spans' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Text'),
              h('th', {}, 'Label'),
              h('th', { class: 'num' }, 'Start'),
              h('th', { class: 'num' }, 'End'),
              h('th', {}, h('span', { class: 'visually-hidden' }, 'Remove')),
            ),
          ),
          spanRows,
        ),
      ),
      h('div', { class: 'actions' }, addFromSelection),
      h('div', { class: 'actions' }, confirm, correct),
      result,
      h('h3', {}, 'Conversation'),
      h(
        'ol',
        { class: 'transcript', 'aria-label': 'Conversation context' },
        item.context.map((m) => messageItem(m, { highlightId: item.messageId })),
      ),
    ];
  }

  socket.on('review:new', (item) => upsertRow(item, true));
  socket.on('review:updated', (item) => upsertRow(item, false));
  socket.on('conversation:deleted', ({ conversationId }) => {
    const gone = list.querySelectorAll(`li[data-review-conversation="${CSS.escape(conversationId)}"]`);
    for (const li of gone) {
      if (li.dataset.reviewId === current) {
        current = null;
        replace(detail, h('p', { class: 'notice', role: 'status' }, 'An admin deleted this conversation.'));
      }
      li.remove();
    }
  });

  return { element, onShow: () => loaded || load(false) };
}

function addOption(datalist, value) {
  if (value && ![...datalist.options].some((o) => o.value === value)) datalist.append(h('option', { value }));
}

function rankingTable(ranking) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'ranking' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Intent'),
          h('th', { class: 'num' }, 'Confidence'),
          h('th', { class: 'num' }, 'Raw score (logit)'),
        ),
      ),
      h(
        'tbody',
        {},
        ranking.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, r.name),
            h(
              'td',
              { class: 'num' },
              h('meter', { min: 0, max: 1, value: r.confidence, 'aria-hidden': 'true' }),
              ' ',
              percent(r.confidence),
            ),
            h('td', { class: 'num' }, r.logit.toFixed(3)),
          ),
        ),
      ),
    ),
  );
}

/** One editable span: label, start, end (changing them re-highlights the text), remove. */
function spanRow(text, span, remove, changed) {
  const label = h('input', {
    value: span.label,
    list: 'known-labels',
    'aria-label': `Label of “${text.slice(span.start, span.end)}”`,
    required: true,
  });
  label.addEventListener('change', () => {
    span.label = label.value.trim();
    changed();
  });
  const bound = (key) => {
    const input = h('input', {
      type: 'number',
      min: 0,
      max: text.length,
      value: span[key],
      'aria-label': `${key} of “${text.slice(span.start, span.end)}”`,
    });
    input.addEventListener('change', () => {
      const value = Number(input.value);
      const next = { ...span, [key]: value };
      if (Number.isInteger(value) && next.start >= 0 && next.end <= text.length && next.start < next.end)
        span[key] = value;
      changed();
    });
    return input;
  };
  const removeButton = h(
    'button',
    { type: 'button', class: 'danger', 'aria-label': `Remove span “${text.slice(span.start, span.end)}”` },
    'Remove',
  );
  removeButton.addEventListener('click', remove);
  return h(
    'tr',
    {},
    h('td', {}, text.slice(span.start, span.end)),
    h('td', {}, label),
    h('td', { class: 'num' }, bound('start')),
    h('td', { class: 'num' }, bound('end')),
    h('td', {}, removeButton),
  );
}

/** Character offsets of the current selection inside `container`'s text (marks included), or null. */
function selectionOffsets(container) {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!container.contains(range.startContainer) || !container.contains(range.endContainer)) return null;
  const offset = (node, within) => {
    const before = document.createRange();
    before.selectNodeContents(container);
    before.setEnd(node, within);
    return before.toString().length;
  };
  let start = offset(range.startContainer, range.startOffset);
  let end = offset(range.endContainer, range.endOffset);
  const text = container.textContent;
  while (start < end && /\s/.test(text[start])) start++;
  while (end > start && /\s/.test(text[end - 1])) end--;
  return start < end ? { start, end } : null;
}

/** Filters: status, intent, confidence range, route, dates. Calls `apply` with the query values. */
function filterForm(apply) {
  const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id }, text), control);
  const statusSelect = h(
    'select',
    { id: 'f-status' },
    ['pending', 'confirmed', 'corrected', 'all'].map((s) => h('option', { value: s }, s)),
  );
  const reason = h(
    'select',
    { id: 'f-reason' },
    h('option', { value: '' }, 'any'),
    REASONS.map((r) => h('option', { value: r }, r.replace('_', ' '))),
  );
  const intent = h('input', { id: 'f-intent', list: 'known-intents', placeholder: 'any' });
  const route = h(
    'select',
    { id: 'f-route' },
    h('option', { value: '' }, 'any'),
    ROUTES.map((r) => h('option', { value: r }, r)),
  );
  const min = h('input', { id: 'f-min', type: 'number', min: 0, max: 1, step: 0.01, placeholder: '0' });
  const max = h('input', { id: 'f-max', type: 'number', min: 0, max: 1, step: 0.01, placeholder: '1' });
  const from = h('input', { id: 'f-from', type: 'date' });
  const to = h('input', { id: 'f-to', type: 'date' });
  const form = h(
    'form',
    { class: 'filters card', 'aria-label': 'Filter the review queue' },
    field('f-status', 'Status', statusSelect),
    field('f-reason', 'Reason', reason),
    field('f-intent', 'Predicted intent', intent),
    field('f-route', 'Route', route),
    field('f-min', 'Min confidence', min),
    field('f-max', 'Max confidence', max),
    field('f-from', 'From', from),
    field('f-to', 'To', to),
    h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
  );
  // Dates are the agent's local days: from the start of `from` to the end of `to`.
  const day = (value, end) =>
    value ? new Date(`${value}T${end ? '23:59:59.999' : '00:00:00'}`).toISOString() : '';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply({
      status: statusSelect.value,
      reason: reason.value,
      intent: intent.value.trim(),
      route: route.value,
      minConfidence: min.value,
      maxConfidence: max.value,
      from: day(from.value, false),
      to: day(to.value, true),
    });
  });
  return form;
}
