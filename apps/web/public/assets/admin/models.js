// Model registry (metrics and deltas are on the 0–100 scale, as the training report writes them): every version with its metrics; a candidate's gate report (per-intent F1 deltas, confusion
// matrix); promote (or force, with a reason, when the gate failed) and roll back.
import { api } from '../lib/api.js';
import { h, notifier, points, replace, when } from '../lib/dom.js';
import { createTryModelCard } from './try-model.js';

const STATUS_TONE = { active: 'good', candidate: 'warn', failed: 'bad', retired: '' };

export function createModelsView(socket) {
  const element = h('section', { class: 'models', 'aria-labelledby': 'models-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const rows = h('tbody');
  const detail = h(
    'div',
    { class: 'card detail', 'aria-live': 'polite' },
    h('p', {}, 'Pick a version to see its metrics and gate.'),
  );
  const rollback = h('button', { type: 'button', class: 'secondary' }, 'Roll back to the previous model');
  let loaded = false;
  let openId = null;

  element.append(
    h('h1', { id: 'models-title', class: 'visually-hidden' }, 'Models'),
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Model versions'),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'model-list' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Version'),
              h('th', {}, 'Status'),
              h('th', { class: 'num' }, 'Intent acc.'),
              h('th', { class: 'num' }, 'Macro-F1'),
              h('th', { class: 'num' }, 'Slot F1'),
              h('th', {}, 'Gate'),
              h('th', {}, 'Created'),
            ),
          ),
          rows,
        ),
      ),
      h('div', { class: 'actions' }, rollback),
      status,
    ),
    createTryModelCard(),
    detail,
  );

  async function load() {
    loaded = true;
    try {
      const page = await api('GET', '/api/models');
      replace(rows, ...page.items.map(row));
      if (!page.items.length) rows.append(h('tr', {}, h('td', { colspan: 7 }, 'No models registered.')));
    } catch (error) {
      notice.error(error);
    }
  }

  function row(model) {
    const open = h(
      'button',
      { type: 'button', class: 'link-button', 'aria-label': `Details of ${model.version}` },
      model.version,
    );
    open.addEventListener('click', () => show(model.id));
    const gate = model.gate
      ? h(
          'span',
          { class: `badge ${model.gate.passed ? 'good' : 'bad'}` },
          model.gate.forced ? 'forced' : model.gate.passed ? 'passed' : 'failed',
        )
      : '–';
    return h(
      'tr',
      { 'data-model-id': model.id, 'data-status': model.status },
      h('td', {}, open),
      h('td', {}, h('span', { class: `badge ${STATUS_TONE[model.status] ?? ''}` }, model.status)),
      h('td', { class: 'num' }, points(model.metrics?.intent_accuracy)),
      h('td', { class: 'num' }, points(model.metrics?.intent_macro_f1)),
      h('td', { class: 'num' }, points(model.metrics?.slot_f1)),
      h('td', {}, gate),
      h('td', {}, when(model.createdAt)),
    );
  }

  async function show(id) {
    openId = id;
    replace(detail, h('p', {}, 'Loading…'));
    try {
      const model = await api('GET', `/api/models/${encodeURIComponent(id)}`);
      replace(detail, ...modelDetail(model));
      detail.querySelector('h2')?.focus();
    } catch (error) {
      replace(detail, h('p', { class: 'notice error', role: 'alert' }, error.message));
    }
  }

  function modelDetail(model) {
    const result = h('div', { class: 'notice' });
    const resultNotice = notifier(result);
    const reason = h('textarea', { id: 'force-reason', rows: 2, maxlength: 500 });
    const forceForm = h(
      'form',
      { class: 'editor', hidden: true, 'aria-label': 'Promote despite the gate' },
      h(
        'label',
        { for: 'force-reason' },
        'Reason for promoting despite the gate (recorded in the audit log)',
      ),
      reason,
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'danger' }, 'Force promote')),
    );
    async function promote(force) {
      if (promoteButton.disabled) return;
      promoteButton.disabled = true;
      resultNotice.info('Promoting: loading the model on every server…');
      try {
        const body = force ? { force: true, reason: reason.value.trim() } : {};
        const promoted = await api('POST', `/api/models/${encodeURIComponent(model.id)}/promote`, body);
        // The detail card is rebuilt below: the outcome goes to the list's notice, which stays.
        notice.info(`${promoted.model.version} is now active.`);
        await load();
        await show(model.id);
      } catch (error) {
        const gate = error.code === 'GATE_FAILED' || error.code === 'GATE_PENDING';
        resultNotice.error(gate ? { message: `Refused by the gate: ${error.message}` } : error);
        if (gate) {
          forceForm.hidden = false;
          reason.focus();
        }
      } finally {
        promoteButton.disabled = false;
      }
    }
    forceForm.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!reason.value.trim()) return resultNotice.error('Give a reason.');
      promote(true);
    });
    const promoteButton = h('button', { type: 'button', class: 'primary' }, 'Promote');
    promoteButton.addEventListener('click', () => promote(false));
    // Deleting frees the folder (about 115 MB a version); the server refuses the active one and the rollback target.
    const deleteButton = h('button', { type: 'button', class: 'danger' }, 'Delete this version');
    deleteButton.addEventListener('click', async () => {
      if (!window.confirm(`Delete ${model.version} and its folder? This cannot be undone.`)) return;
      deleteButton.disabled = true;
      try {
        const deleted = await api('DELETE', `/api/models/${encodeURIComponent(model.id)}`);
        notice.info(
          `Deleted ${deleted.version}${deleted.folderRemoved ? ' and its folder' : ' (its folder was kept: another version or the default model uses it)'}.`,
        );
        openId = null;
        replace(detail, h('p', {}, 'Pick a version to see its metrics and gate.'));
        await load();
      } catch (error) {
        resultNotice.error(error);
        deleteButton.disabled = false;
      }
    });
    const gate = model.gate;
    return [
      h(
        'h2',
        { tabindex: '-1' },
        `${model.name} ${model.version} `,
        h('span', { class: `badge ${STATUS_TONE[model.status] ?? ''}` }, model.status),
      ),
      h(
        'p',
        { class: 'row-meta' },
        `created ${when(model.createdAt)}`,
        model.promotedAt ? ` · promoted ${when(model.promotedAt)}` : '',
        model.jobId ? ` · from job ${model.jobId.slice(0, 8)}` : '',
        ` · ${model.dir}`,
      ),
      model.status !== 'active'
        ? h('div', { class: 'actions' }, model.status !== 'failed' ? promoteButton : null, deleteButton)
        : null,
      forceForm,
      result,
      h('h3', {}, 'Gate'),
      gate ? gateReport(gate) : h('p', {}, 'No gate report (the first model, or evaluation still running).'),
    ];
  }

  rollback.addEventListener('click', async () => {
    notice.info('Rolling back…');
    try {
      const result = await api('POST', '/api/models/rollback', {});
      notice.info(`Rolled back: ${result.model.version} is active again.`);
      await load();
      if (openId) await show(openId);
    } catch (error) {
      notice.error(error);
    }
  });

  // Another admin (or another server) promoted or rolled back.
  socket.on('model:changed', () => {
    if (loaded) load();
  });

  // Opened from a finished job: the list gains the new candidate too.
  const open = (id) => Promise.all([load(), show(id)]);
  return { element, onShow: () => loaded || load(), open };
}

/** A delta in points (0–100 scale), with its sign. */
function signed(value, digits = 2) {
  if (typeof value !== 'number') return '–';
  return `${value > 0 ? '+' : ''}${value.toFixed(digits)}`;
}

function deltaCell(value) {
  const tone =
    typeof value !== 'number' || Math.abs(value) < 1e-9 ? '' : value > 0 ? 'delta-up' : 'delta-down';
  return h('td', { class: `num ${tone}` }, signed(value));
}

function gateReport(gate) {
  return h(
    'div',
    { class: 'gate', 'data-passed': String(gate.passed) },
    h(
      'p',
      {},
      h(
        'span',
        { class: `badge ${gate.passed ? 'good' : 'bad'}` },
        gate.passed ? 'Gate passed' : 'Gate failed',
      ),
      ` against ${gate.baseline ? gate.baseline.version : 'nothing (first model)'} · tolerance ${gate.tolerance} points · ${when(gate.evaluatedAt)}`,
    ),
    gate.failures.length
      ? h(
          'ul',
          { class: 'failures' },
          gate.failures.map((f) => h('li', {}, f)),
        )
      : null,
    gate.forced ? h('p', {}, `Forced: “${gate.forced.reason}” (${when(gate.forced.at)})`) : null,
    gate.sets.map(gateSet),
  );
}

const HEADLINE = [
  ['intent_accuracy', 'Intent accuracy'],
  ['intent_macro_f1', 'Intent macro-F1'],
  ['slot_f1', 'Slot F1'],
  ['exact_match', 'Exact match'],
];

function gateSet(set) {
  return h(
    'section',
    { class: 'gate-set', 'aria-label': `${set.name} set` },
    h(
      'h3',
      {},
      `${set.name === 'test' ? 'Frozen test set' : 'Reviewed examples (held out)'} · ${set.n} examples`,
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'headline' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Metric'),
            h('th', { class: 'num' }, 'Candidate'),
            h('th', { class: 'num' }, 'Active'),
            h('th', { class: 'num' }, 'Δ points'),
          ),
        ),
        h(
          'tbody',
          {},
          HEADLINE.map(([key, name]) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, name),
              h('td', { class: 'num' }, points(set.candidate[key])),
              h('td', { class: 'num' }, points(set.baseline?.[key])),
              deltaCell(set.delta?.[key]),
            ),
          ),
        ),
      ),
    ),
    h('h3', {}, 'Per intent (F1)'),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'per-intent' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Intent'),
            h('th', { class: 'num' }, 'Support'),
            h('th', { class: 'num' }, 'Candidate'),
            h('th', { class: 'num' }, 'Active'),
            h('th', { class: 'num' }, 'Δ points'),
          ),
        ),
        h(
          'tbody',
          {},
          [...set.perIntent]
            .sort((a, b) => (a.delta ?? 0) - (b.delta ?? 0))
            .map((r) =>
              h(
                'tr',
                {},
                h('th', { scope: 'row' }, r.intent),
                h('td', { class: 'num' }, r.support),
                h('td', { class: 'num' }, points(r.candidateF1)),
                h('td', { class: 'num' }, points(r.baselineF1)),
                deltaCell(r.delta),
              ),
            ),
        ),
      ),
    ),
    h('h3', {}, 'Confusion matrix (candidate; rows = true intent, columns = predicted)'),
    confusion(set.confusion.labels, set.confusion.candidate),
  );
}

/** A heat-map table; the shade is a class (c0–c5), so no inline styles are needed under the page's CSP. */
function confusion(labels, matrix) {
  const max = Math.max(1, ...matrix.flat());
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'confusion' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, h('span', { class: 'visually-hidden' }, 'True intent')),
          labels.map((l) => h('th', { class: 'rotate', scope: 'col' }, l)),
        ),
      ),
      h(
        'tbody',
        {},
        matrix.map((cells, i) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, labels[i]),
            cells.map((n, j) =>
              h(
                'td',
                {
                  class: `c${n === 0 ? 0 : Math.min(5, 1 + Math.floor((4 * n) / max))}${i === j ? ' diag' : ''}`,
                  title: `${labels[i]} → ${labels[j]}: ${n}`,
                },
                n || '',
              ),
            ),
          ),
        ),
      ),
    ),
  );
}
