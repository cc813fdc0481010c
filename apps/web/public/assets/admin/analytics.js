// Analytics: how the bot did over the last days (GET /api/analytics/summary): containment, answered and fallback
// replies, feedback, the review queue, the intents with the most replies, each model version, and day by day.
import { api, withQuery } from '../lib/api.js';
import { h, notifier, percent, replace } from '../lib/dom.js';

export function createAnalyticsView() {
  const element = h('section', { class: 'analytics', 'aria-labelledby': 'analytics-title' });
  const period = h(
    'select',
    { id: 'analytics-days' },
    h('option', { value: '7' }, 'Last 7 days'),
    h('option', { value: '30' }, 'Last 30 days'),
    h('option', { value: '90' }, 'Last 90 days'),
  );
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const body = h('div', { 'aria-live': 'polite' });
  element.append(
    h('h1', { id: 'analytics-title', class: 'visually-hidden' }, 'Analytics'),
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'analytics-days' }, 'Period'), period),
    ),
    status,
    body,
  );

  async function load() {
    try {
      const s = await api('GET', withQuery('/api/analytics/summary', { days: period.value }));
      notice.clear();
      replace(
        body,
        overview(s),
        agentsTable(s.csat.byAgent),
        intentsTable(s.intents),
        modelsTable(s.models),
        dailyTable(s.daily),
      );
    } catch (error) {
      notice.error(error);
    }
  }
  period.addEventListener('change', load);
  return { element, onShow: load };
}

function overview(s) {
  const rows = [
    ['Conversations', s.conversations.started],
    [
      'Handled by the bot alone',
      `${percent(s.conversations.containmentRate)} (${s.conversations.started - s.conversations.handedOff})`,
    ],
    ['Handed to a person', s.conversations.handedOff],
    ['Bot replies', s.replies.turns],
    ['Answered (template, question, article)', `${percent(s.replies.answeredRate)} (${s.replies.answered})`],
    ['Fell back', `${percent(s.replies.fallbackRate)} (${s.replies.fallback})`],
    [
      'Thumbs up / down',
      `${s.feedback.up} / ${s.feedback.down} (${percent(s.feedback.satisfaction)} positive)`,
    ],
    [
      'Rating of the person who helped (1–5)',
      s.csat.responses
        ? `${s.csat.average} from ${s.csat.responses} (${percent(s.csat.satisfiedRate)} 4 or 5)`
        : '–',
    ],
    ['Waiting for review now', s.reviewPending],
  ];
  return h(
    'table',
    { class: 'analytics-overview' },
    h('caption', {}, `Overview, ${s.from.slice(0, 10)} to ${s.daily.at(-1)?.date ?? ''} (UTC)`),
    h(
      'tbody',
      {},
      rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, v))),
    ),
  );
}

/**
 * One table: `columns` are `[heading, value of a row, numeric?]`; with no rows, a line saying so (the daily table
 * always has rows: every day of the period).
 */
function table(caption, columns, rows) {
  if (!rows.length) return h('p', {}, `${caption}: none in this period.`);
  const cls = (num) => (num ? { class: 'num' } : {});
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map(([head, , num]) => h('th', cls(num), head)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            columns.map(([, value, num]) => h('td', cls(num), value(r))),
          ),
        ),
      ),
    ),
  );
}

/** Replies, answered, fallen back and thumbs down of each row, after its name. */
function countsTable(caption, first, rows, name) {
  return table(
    caption,
    [
      [first, name],
      ['Replies', (r) => r.turns, true],
      ['Answered', (r) => r.answered, true],
      ['Fell back', (r) => r.fallback, true],
      ['Thumbs down', (r) => r.thumbsDown, true],
    ],
    rows,
  );
}

function agentsTable(agents) {
  return table(
    'Ratings of the person who helped, by agent',
    [
      ['Agent', (a) => a.name ?? 'Unknown (no agent message, or a deleted account)'],
      ['Ratings', (a) => a.responses, true],
      ['Average (1–5)', (a) => a.average ?? '–', true],
      ['4 or 5', (a) => percent(a.satisfiedRate), true],
    ],
    agents,
  );
}

function intentsTable(intents) {
  return countsTable('Intents with the most replies', 'Intent', intents, (r) => r.intent);
}

function modelsTable(models) {
  return countsTable(
    'Model versions, newest first',
    'Version',
    models,
    (r) => `${r.version} (from ${r.firstSeen.slice(0, 10)})`,
  );
}

function dailyTable(daily) {
  return table(
    'Day by day (UTC)',
    [
      ['Day', (d) => d.date],
      ['Conversations', (d) => d.conversations, true],
      ['Bot replies', (d) => d.turns, true],
      ['Fell back', (d) => d.fallback, true],
    ],
    [...daily].reverse(),
  );
}
