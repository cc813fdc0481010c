// Transcript import: upload a JSON Lines or CSV file of past conversations; see what was stored or, per row,
// what is wrong with the file.
import { api, withQuery } from '../lib/api.js';
import { h, notifier, replace } from '../lib/dom.js';

const TYPES = { jsonl: 'application/x-ndjson', ndjson: 'application/x-ndjson', csv: 'text/csv' };

export function createTranscriptsView() {
  const element = h('section', { class: 'transcripts', 'aria-labelledby': 'transcripts-title' });
  const file = h('input', {
    id: 'transcript-file',
    type: 'file',
    accept: '.jsonl,.ndjson,.csv',
    required: true,
  });
  const mode = h(
    'select',
    { id: 'transcript-mode' },
    h('option', { value: 'reject_file' }, 'Reject the whole file if any row is invalid'),
    h('option', { value: 'valid_rows' }, 'Import the valid conversations, skip the invalid ones'),
  );
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const result = h('div', { 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'card editor', 'aria-labelledby': 'transcripts-title' },
    h('h2', { id: 'transcripts-title' }, 'Import transcripts'),
    h(
      'p',
      {},
      'JSON Lines (one conversation per line: {"conversation_id", "turns": [{"role", "text", "intent"?, "entities"?}]}) or CSV (conversation_id,role,text,intent). Customer turns are labelled by the active model; uncertain ones go to the review queue; turns with an intent become training examples.',
    ),
    h('div', { class: 'field' }, h('label', { for: 'transcript-file' }, 'File (.jsonl or .csv)'), file),
    h('div', { class: 'field' }, h('label', { for: 'transcript-mode' }, 'When rows are invalid'), mode),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Import')),
    status,
    result,
  );
  element.append(form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return notice.error('Choose a file.');
    const type = TYPES[chosen.name.split('.').pop().toLowerCase()];
    if (!type) return notice.error('The file must end in .jsonl, .ndjson or .csv.');
    replace(result);
    notice.info(`Importing ${chosen.name}…`);
    try {
      const body = await chosen.text();
      const summary = await api('POST', withQuery('/api/transcripts/import', { mode: mode.value }), {
        raw: body,
        type,
      });
      notice.info(`Imported ${chosen.name}.`);
      replace(
        result,
        summaryTable(summary),
        summary.errors.length ? errorTable(summary.errors, 'Skipped rows') : null,
      );
    } catch (error) {
      notice.error(error.details?.length ? `${error.message} (nothing was stored)` : error);
      if (Array.isArray(error.body?.errors)) replace(result, errorTable(error.body.errors, 'Errors'));
    }
  });

  return { element };
}

function summaryTable(s) {
  const rows = [
    ['Conversations', s.conversations],
    ['Messages', s.messages],
    ['Customer turns', s.customerTurns],
    ['Turns with an intent in the file', s.labelledTurns],
    ['New training examples', s.trainingExamples],
    ['Sent to the review queue', s.reviewItems],
    ['Labelled by model', s.modelVersion ?? '–'],
  ];
  return h(
    'table',
    { class: 'import-summary' },
    h('caption', {}, 'What was stored'),
    h(
      'tbody',
      {},
      rows.map(([k, v]) => h('tr', {}, h('th', { scope: 'row' }, k), h('td', { class: 'num' }, v))),
    ),
  );
}

function errorTable(errors, caption) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'import-errors' },
      h('caption', {}, `${caption} (${errors.length})`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { class: 'num' }, 'Line'),
          h('th', {}, 'Field'),
          h('th', {}, 'Code'),
          h('th', {}, 'Problem'),
        ),
      ),
      h(
        'tbody',
        {},
        errors.map((e) =>
          h(
            'tr',
            {},
            h('td', { class: 'num' }, e.line),
            h('td', {}, e.field),
            h('td', {}, e.code),
            h('td', {}, e.message),
          ),
        ),
      ),
    ),
  );
}
