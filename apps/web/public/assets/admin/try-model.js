// "Try the model": what the active model makes of a message (POST /api/nlu/parse), like `rasa shell nlu`:
// the intent ranking with calibrated probabilities, the entities with their typed values, and the chat policy's
// first choice for it (`route`). Nothing is stored.
import { api } from '../lib/api.js';
import { h, notifier, replace } from '../lib/dom.js';

export function createTryModelCard() {
  const input = h('input', { id: 'try-text', type: 'text', maxlength: 2000, autocomplete: 'off' });
  const result = h('div', { class: 'try-result', 'aria-live': 'polite' });
  const status = h('div', { class: 'notice' });
  const notice = notifier(status);
  const form = h(
    'form',
    { class: 'try-model', 'aria-label': 'Try the active model' },
    h('label', { for: 'try-text' }, 'Message'),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Parse'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    notice.clear();
    try {
      show(await api('POST', '/api/nlu/parse', { text: input.value, topK: 5 }));
    } catch (error) {
      replace(result);
      notice.error(error);
    }
  });

  function show(parsed) {
    const percent = (p) => `${(p * 100).toFixed(1)} %`;
    const verdict = {
      handoff: 'hands the conversation to a person',
      template: 'answers from a template',
      retrieval: 'searches the knowledge base',
      fallback: 'falls back (offers a person)',
    }[parsed.route];
    replace(
      result,
      h(
        'p',
        { class: 'try-verdict' },
        h('strong', {}, parsed.intent.name),
        ` ${percent(parsed.intent.confidence)}: the bot ${verdict} (model ${parsed.model.version}, cut-off ${percent(parsed.thresholds.answer)})`,
      ),
      h(
        'table',
        { class: 'try-ranking' },
        h('caption', {}, 'Intent ranking'),
        h('tbody', {}, parsed.ranking.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.name), h('td', { class: 'num' }, percent(r.confidence))))),
      ),
      parsed.entities.length
        ? h(
            'ul',
            { class: 'try-entities', 'aria-label': 'Entities' },
            parsed.entities.map((e) =>
              h('li', {}, h('code', {}, e.label), ` “${e.text}” (${e.start}–${e.end})`, e.value ? ` → ${JSON.stringify(e.value)}` : ''),
            ),
          )
        : h('p', { class: 'row-meta' }, 'No entities.'),
    );
  }

  return h('div', { class: 'card' }, h('h2', {}, 'Try the active model'), form, status, result);
}
