// The admin area: models (gate, promote, roll back), training jobs, templates, knowledge base, canned responses,
// transcripts, analytics, event webhook deliveries, API tokens.
import { h, replace } from '../lib/dom.js';
import { connectSocket, onSignedOut, sections, showAccount, signIn } from '../lib/shell.js';
import { createAnalyticsView } from './analytics.js';
import { createContentView } from './content.js';
import { createJobsView } from './jobs.js';
import { createModelsView } from './models.js';
import { createTokensView } from './tokens.js';
import { createWebhooksView } from './webhooks.js';
import { createTranscriptsView } from './transcripts.js';

const main = document.getElementById('main');
const liveState = document.getElementById('live-state');

async function start() {
  onSignedOut();
  const login = await signIn(main, ['admin']);
  showAccount(document.getElementById('account'), login);
  const socket = await connectSocket('/admin', login.token, (state) => {
    liveState.textContent =
      state === 'connected' ? 'Live' : state === 'disconnected' ? 'Reconnecting…' : state;
  });
  let show = () => undefined;
  const models = createModelsView(socket);
  const views = {
    models,
    jobs: createJobsView(socket, (modelId) => {
      show('models');
      models.open(modelId);
    }),
    templates: createContentView('templates'),
    articles: createContentView('articles'),
    canned: createContentView('canned'),
    transcripts: createTranscriptsView(),
    analytics: createAnalyticsView(),
    webhooks: createWebhooksView(),
    tokens: createTokensView(),
  };
  replace(main, ...Object.values(views).map((v) => v.element));
  show = sections(document.getElementById('nav'), views);
}

start().catch((error) =>
  replace(
    main,
    h('p', { class: 'notice error', role: 'alert' }, `The admin area could not start: ${error.message}`),
  ),
);
