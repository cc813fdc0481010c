// Personal API tokens of the signed-in admin (GET/POST/DELETE /api/auth/tokens): for scripts and integrations
// (a weekly retrain-and-promote job). A new token is shown once, here, and never again. Below, every other user's
// live tokens (GET /api/auth/tokens/others), to revoke one left behind or leaked.
import { api } from '../lib/api.js';
import { h, notifier, replace, when } from '../lib/dom.js';

export function createTokensView() {
  const element = h('section', { class: 'tokens', 'aria-labelledby': 'tokens-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const name = h('input', {
    id: 'token-name',
    maxlength: 100,
    required: true,
    placeholder: 'weekly retrain job',
  });
  const expiry = h(
    'select',
    { id: 'token-expiry' },
    h('option', { value: '30' }, '30 days'),
    h('option', { value: '90', selected: true }, '90 days'),
    h('option', { value: '365' }, '1 year'),
    h('option', { value: '' }, 'Never'),
  );
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Make an API token' },
    h('div', { class: 'field' }, h('label', { for: 'token-name' }, 'What it is for'), name),
    h('div', { class: 'field' }, h('label', { for: 'token-expiry' }, 'Expires after'), expiry),
    h('button', { type: 'submit', class: 'primary' }, 'Make token'),
  );
  const created = h('div', { 'aria-live': 'polite' });
  const table = h('div');
  const others = h('div');
  element.append(
    h('h1', { id: 'tokens-title', class: 'visually-hidden' }, 'API tokens'),
    h(
      'p',
      { class: 'row-meta' },
      'A token acts with your role from scripts (Authorization: Bearer pat_…) until it expires or you revoke it.',
    ),
    form,
    created,
    status,
    h('div', { class: 'card' }, h('h2', {}, 'Your API tokens'), table),
    h(
      'div',
      { class: 'card others' },
      h('h2', {}, "Other users' API tokens"),
      h('p', { class: 'row-meta' }, 'Revoke one a person left behind, or one that leaked.'),
      others,
    ),
  );

  async function load() {
    try {
      const [mine, theirs] = await Promise.all([
        api('GET', '/api/auth/tokens'),
        api('GET', '/api/auth/tokens/others'),
      ]);
      render(table, mine, false);
      render(others, theirs, true);
    } catch (error) {
      notice.error(error);
    }
  }

  /** A table of tokens; `withOwner`: another user's, with whose they are. */
  function render(target, tokens, withOwner) {
    if (!tokens.length) {
      replace(target, h('p', { class: 'row-meta' }, withOwner ? 'None.' : 'None yet.'));
      return;
    }
    const columns = [
      'Name',
      ...(withOwner ? ['Owner'] : []),
      'Starts with',
      'Made',
      'Expires',
      'Last used',
      '',
    ];
    replace(
      target,
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
            ...tokens.map((t) => {
              const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke');
              revoke.addEventListener('click', async () => {
                const whose = withOwner ? ` of ${t.owner.email}` : '';
                if (!window.confirm(`Revoke "${t.name}"${whose}? Scripts using it stop working at once.`))
                  return;
                try {
                  await api('DELETE', `/api/auth/tokens/${encodeURIComponent(t.id)}`);
                  notice.info(`Revoked "${t.name}".`);
                  await load();
                } catch (error) {
                  notice.error(error);
                }
              });
              return h(
                'tr',
                { 'data-token-id': t.id },
                h('td', {}, t.name),
                withOwner ? h('td', {}, `${t.owner.name} (${t.owner.email})`) : null,
                h('td', {}, h('code', {}, `${t.prefix}…`)),
                h('td', {}, when(t.createdAt)),
                h('td', {}, t.expiresAt ? when(t.expiresAt) : 'never'),
                h('td', {}, t.lastUsedAt ? when(t.lastUsedAt) : 'never'),
                h('td', {}, revoke),
              );
            }),
          ),
        ),
      ),
    );
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const body = { name: name.value.trim() };
      if (expiry.value) body.expiresInDays = Number(expiry.value);
      const token = await api('POST', '/api/auth/tokens', body);
      name.value = '';
      const value = h('input', {
        id: 'token-value',
        class: 'token-value',
        readonly: true,
        value: token.token,
      });
      const copy = h('button', { type: 'button', class: 'secondary' }, 'Copy');
      copy.addEventListener('click', async () => {
        value.select();
        try {
          await navigator.clipboard.writeText(token.token);
          copy.textContent = 'Copied';
        } catch {
          // selected: the admin copies it by hand
        }
      });
      replace(
        created,
        h(
          'div',
          { class: 'card', role: 'status' },
          h('p', {}, h('strong', {}, `Your new token "${token.name}". Copy it now: it is not shown again.`)),
          h('label', { for: 'token-value', class: 'visually-hidden' }, 'New API token'),
          value,
          ' ',
          copy,
        ),
      );
      notice.clear();
      await load();
    } catch (error) {
      notice.error(error);
    }
  });

  return { element, onShow: load };
}
