// Training jobs: start one with a config, watch its progress, loss curve and log live, cancel it, open the
// model it produced.
import { api, withQuery } from '../lib/api.js';
import { h, listRow, markCurrent, notifier, points, replace, when } from '../lib/dom.js';
import { request } from '../lib/shell.js';

const SVG = 'http://www.w3.org/2000/svg';
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
const STATUS_TONE = { succeeded: 'good', failed: 'bad', cancelled: '', running: 'warn', queued: '' };

export function createJobsView(socket, openModel) {
  const element = h('section', { class: 'jobs', 'aria-labelledby': 'jobs-title' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const list = h('ul', { class: 'list', 'aria-label': 'Training jobs' });
  const detail = h('div', { class: 'card detail' }, h('p', {}, 'Start a job or pick one.'));
  const config = h('select', { id: 'job-config', required: true });
  const epochs = h('input', { id: 'job-epochs', type: 'number', min: 1, max: 50, step: 1 });
  const lr = h('input', { id: 'job-lr', type: 'number', min: 0, step: 'any' });
  const maxTrain = h('input', { id: 'job-max-train', type: 'number', min: 1, step: 1 });
  const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id }, text), control);
  const form = h(
    'form',
    { class: 'filters card', 'aria-label': 'Start a training job' },
    field('job-config', 'Config', config),
    field('job-epochs', 'Epochs (optional)', epochs),
    field('job-lr', 'Learning rate (optional)', lr),
    field('job-max-train', 'Max training examples (optional)', maxTrain),
    h('button', { type: 'submit', class: 'primary' }, 'Start training'),
  );
  let loaded = false;
  let watched = null; // { id, events: [], lastSeq, job, poll }

  element.append(
    h('h1', { id: 'jobs-title', class: 'visually-hidden' }, 'Training jobs'),
    form,
    status,
    h('div', { class: 'split' }, h('div', { class: 'card' }, h('h2', {}, 'Jobs'), list), detail),
  );

  async function load() {
    loaded = true;
    try {
      const [configs, jobs] = await Promise.all([
        api('GET', '/api/jobs/configs'),
        api('GET', withQuery('/api/jobs', { limit: 50 })),
      ]);
      if (!config.options.length)
        for (const c of configs.items)
          config.append(
            h('option', { value: c.name, selected: c.default }, c.default ? `${c.name} (default)` : c.name),
          );
      replace(list, ...jobs.items.map(row));
      if (!jobs.items.length) list.append(h('li', { class: 'row-meta' }, 'No jobs yet.'));
    } catch (error) {
      notice.error(error);
    }
  }

  function row(job) {
    return listRow({
      data: { 'job-id': job.id },
      current: watched?.id === job.id,
      text: `${job.config} · ${job.progress?.phase ?? job.status}`,
      meta: when(job.createdAt),
      badge: { text: job.status, tone: STATUS_TONE[job.status] },
      onSelect: () => watch(job.id),
    });
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const overrides = {};
    if (epochs.value) overrides.epochs = Number(epochs.value);
    if (lr.value) overrides.lr = Number(lr.value);
    if (maxTrain.value) overrides.max_train = Number(maxTrain.value);
    notice.info('Queuing…');
    try {
      const job = await api(
        'POST',
        '/api/jobs',
        Object.keys(overrides).length ? { config: config.value, overrides } : { config: config.value },
      );
      notice.info(`Job queued (${job.config}).`);
      await load();
      await watch(job.id);
    } catch (error) {
      notice.error(error);
    }
  });

  async function watch(id) {
    if (watched) clearInterval(watched.poll);
    watched = { id, events: [], lastSeq: 0, job: null, poll: null };
    markCurrent(list, 'job-id', id);
    replace(detail, h('p', {}, 'Loading…'));
    try {
      // The socket subscription replays every event so far; REST is the fallback when live updates are down.
      const data = socket.connected
        ? await request(socket, 'job:subscribe', { jobId: id })
        : await api('GET', `/api/jobs/${encodeURIComponent(id)}`);
      if (watched?.id !== id) return;
      apply(data.job, data.events);
      // Polling covers a dropped socket (and a server without NOTIFY); events are deduplicated by seq.
      watched.poll = setInterval(poll, 2000);
    } catch (error) {
      replace(detail, h('p', { class: 'notice error', role: 'alert' }, error.message));
    }
  }

  async function poll() {
    const current = watched;
    if (!current || (current.job && FINISHED.has(current.job.status))) return;
    if (socket.connected) return;
    try {
      const data = await api(
        'GET',
        withQuery(`/api/jobs/${encodeURIComponent(current.id)}`, { since: current.lastSeq }),
      );
      if (watched === current) apply(data.job, data.events);
    } catch (error) {
      notice.error(error);
    }
  }

  function apply(job, events) {
    if (!watched || job.id !== watched.id) return;
    for (const event of events) {
      if (event.seq <= watched.lastSeq) continue;
      watched.events.push(event);
      watched.lastSeq = event.seq;
    }
    const finishedNow = job.status !== watched.job?.status && FINISHED.has(job.status);
    watched.job = job;
    renderDetail();
    list.querySelector(`li[data-job-id="${CSS.escape(job.id)}"]`)?.replaceWith(row(job));
    if (finishedNow) notice.info(`Job ${job.status}.`);
  }

  function renderDetail() {
    const { job, events } = watched;
    const p = job.progress ?? {};
    const losses = events
      .filter((e) => e.type === 'progress' && typeof e.data.loss === 'number')
      .map((e) => e.data);
    const logs = events.filter((e) => e.type === 'log').map((e) => e.data.line);
    const cancel = h('button', { type: 'button', class: 'danger' }, 'Cancel job');
    cancel.addEventListener('click', async () => {
      try {
        apply(await api('POST', `/api/jobs/${encodeURIComponent(job.id)}/cancel`), []);
      } catch (error) {
        notice.error(error);
      }
    });
    const openButton = h('button', { type: 'button', class: 'primary' }, 'Open the model and its gate');
    openButton.addEventListener('click', () => openModel(job.modelVersionId));
    const stepValue =
      job.status === 'succeeded'
        ? { value: 1, max: 1 }
        : typeof p.step === 'number' && p.steps
          ? { value: p.step, max: p.steps }
          : {};
    replace(
      detail,
      h(
        'h2',
        {},
        `Job ${job.id.slice(0, 8)} · ${job.config} `,
        h('span', { class: `badge ${STATUS_TONE[job.status] ?? ''}`, id: 'job-status' }, job.status),
      ),
      h(
        'p',
        { class: 'row-meta' },
        `created ${when(job.createdAt)}`,
        job.startedAt ? ` · started ${when(job.startedAt)}` : '',
        job.finishedAt ? ` · finished ${when(job.finishedAt)}` : '',
        job.datasetHash ? ` · dataset ${job.datasetHash.slice(0, 12)}` : '',
      ),
      h(
        'p',
        { 'aria-live': 'polite', id: 'job-phase' },
        `Phase: ${p.phase ?? '–'}`,
        p.epochs ? ` · epoch ${p.epoch ?? 0}/${p.epochs}` : '',
        p.steps ? ` · step ${p.step ?? 0}/${p.steps}` : '',
        typeof p.loss === 'number' ? ` · loss ${p.loss.toFixed(4)}` : '',
        p.dev
          ? ` · dev intent accuracy ${points(p.dev.intent_accuracy)}, slot F1 ${points(p.dev.slot_f1)}`
          : '',
      ),
      h('progress', { class: 'progress', 'aria-label': 'Training progress', ...stepValue }),
      job.error
        ? h('p', { class: 'notice error', role: 'alert' }, `${job.error.code}: ${job.error.message}`)
        : null,
      h(
        'div',
        { class: 'actions' },
        FINISHED.has(job.status) ? null : cancel,
        job.modelVersionId ? openButton : null,
      ),
      h('h3', {}, 'Training loss'),
      lossPlot(losses),
      h('h3', {}, 'Log'),
      h(
        'pre',
        { class: 'log-tail', tabindex: '0', 'aria-label': 'Job log' },
        (logs.length ? logs : job.logTail).slice(-200).join('\n'),
      ),
    );
  }

  socket.on(
    'job:event',
    ({ jobId, event }) => watched?.id === jobId && watched.job && apply(watched.job, [event]),
  );
  socket.on('job:updated', (job) => {
    if (watched?.id === job.id) apply(job, []);
    else if (loaded) load();
  });

  return { element, onShow: () => loaded || load() };
}

/** Loss per step as an inline SVG line (no chart library); a text summary for screen readers. */
function lossPlot(points) {
  const width = 600;
  const height = 200;
  const pad = 36;
  if (points.length < 2)
    return h(
      'p',
      { class: 'row-meta' },
      points.length ? `loss ${points[0].loss.toFixed(4)}` : 'No loss reported yet.',
    );
  // x = the order of the reports (steps may restart at each epoch), labelled with the first and last step.
  const xs = points.map((_, i) => i);
  const ys = points.map((p) => p.loss);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const sx = (x) => pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
  const sy = (y) => height - pad - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
  const svg = svgEl('svg', {
    class: 'plot',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Training loss over ${points.length} steps, from ${ys[0].toFixed(3)} to ${ys[ys.length - 1].toFixed(3)}`,
  });
  svg.append(
    svgEl('line', { class: 'axis', x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }),
    svgEl('line', { class: 'axis', x1: pad, y1: pad, x2: pad, y2: height - pad }),
    svgEl('polyline', {
      class: 'line',
      points: xs.map((x, i) => `${sx(x).toFixed(1)},${sy(ys[i]).toFixed(1)}`).join(' '),
    }),
    svgText(pad - 4, sy(y1) + 4, y1.toFixed(2), 'end'),
    svgText(pad - 4, sy(y0) + 4, y0.toFixed(2), 'end'),
    svgText(width - pad, height - pad + 16, stepLabel(points[points.length - 1]), 'end'),
    svgText(pad, height - pad + 16, stepLabel(points[0]), 'start'),
  );
  return svg;
}

function stepLabel(p) {
  return `${p.epoch !== undefined ? `epoch ${p.epoch} ` : ''}step ${p.step ?? '?'}`;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function svgText(x, y, text, anchor) {
  const node = svgEl('text', { x, y, 'text-anchor': anchor });
  node.textContent = text;
  return node;
}
