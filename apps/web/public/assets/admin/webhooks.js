// The event webhook's deliveries (GET /api/webhooks/deliveries): whether it is on and where it posts, how many
// deliveries are pending, delivered or failed, the latest ones with why they failed, and sending failed ones again.
import { api, withQuery } from '../lib/api.js';
import { h, notifier, replace, when } from '../lib/dom.js';

export function createWebhooksView() {
  const element = h('section', { class: 'webhooks', 'aria-labelledby': 'webhooks-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const filter = h(
    'select',
    { id: 'webhooks-status' },
    h('option', { value: '' }, 'Any status'),
    h('option', { value: 'failed' }, 'Failed'),
    h('option', { value: 'pending' }, 'Pending'),
    h('option', { value: 'delivered' }, 'Delivered'),
  );
  const retryAll = h('button', { type: 'button', class: 'secondary' }, 'Send all failed again');
  const summary = h('div');
  const table = h('div');
  element.append(
    h('h1', { id: 'webhooks-title', class: 'visually-hidden' }, 'Event webhook'),
    summary,
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'webhooks-status' }, 'Show'), filter),
      retryAll,
    ),
    status,
    h('div', { class: 'card' }, h('h2', {}, 'Latest deliveries'), table),
  );

  async function load() {
    try {
      const page = await api(
        'GET',
        withQuery('/api/webhooks/deliveries', { status: filter.value || undefined, limit: 100 }),
      );
      render(page);
    } catch (error) {
      notice.error(error);
    }
  }

  function render(page) {
    replace(
      summary,
      h(
        'p',
        {},
        page.enabled
          ? `Posting ${page.events.join(', ')} to ${page.origin}. `
          : 'The event webhook is off: set EVENT_WEBHOOK_URL and EVENT_WEBHOOK_SECRET (docs/webhooks.md). ',
        `Pending ${page.counts.pending} · delivered ${page.counts.delivered} · failed ${page.counts.failed}.`,
      ),
    );
    retryAll.disabled = !page.enabled || page.counts.failed === 0;
    if (!page.items.length) {
      replace(table, h('p', { class: 'row-meta' }, 'None.'));
      return;
    }
    const columns = ['Event', 'Status', 'Attempts', 'Last error', 'Created', 'Next attempt', ''];
    replace(
      table,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          {},
          h('thead', {}, h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)))),
          h(
            'tbody',
            {},
            ...page.items.map((d) => {
              const again =
                d.status === 'failed' && page.enabled
                  ? h('button', { type: 'button', class: 'secondary' }, 'Send again')
                  : null;
              again?.addEventListener('click', () =>
                retry(`/api/webhooks/deliveries/${encodeURIComponent(d.id)}/retry`),
              );
              return h(
                'tr',
                { 'data-delivery-id': d.id, 'data-status': d.status },
                h('td', {}, d.event),
                h('td', {}, d.status),
                h('td', { class: 'num' }, String(d.attempts)),
                h('td', {}, d.lastError ?? ''),
                h('td', {}, when(d.createdAt)),
                h('td', {}, d.nextAttemptAt ? when(d.nextAttemptAt) : ''),
                h('td', {}, again),
              );
            }),
          ),
        ),
      ),
    );
  }

  async function retry(path) {
    try {
      const { retried } = await api('POST', path);
      notice.info(`${retried} sent again.`);
      await load();
    } catch (error) {
      notice.error(error);
    }
  }

  filter.addEventListener('change', load);
  retryAll.addEventListener('click', () => retry('/api/webhooks/deliveries/retry-failed'));
  return { element, onShow: load };
}
