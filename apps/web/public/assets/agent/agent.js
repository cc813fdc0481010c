// The agent console: sign in, then the review queue, the live (handed-off) conversations and all conversations.
import { h, replace } from '../lib/dom.js';
import { connectSocket, onSignedOut, sections, showAccount, signIn } from '../lib/shell.js';
import { createConversationsView } from './conversations.js';
import { createHandoffView } from './handoffs.js';
import { createReviewView } from './review.js';

const main = document.getElementById('main');
const liveState = document.getElementById('live-state');

async function start() {
  onSignedOut();
  const login = await signIn(main, ['agent', 'admin']);
  showAccount(document.getElementById('account'), login);
  const socket = await connectSocket('/agent', login.token, (state) => {
    liveState.textContent =
      state === 'connected' ? 'Live' : state === 'disconnected' ? 'Reconnecting…' : state;
  });
  const review = createReviewView(socket);
  const live = createHandoffView(socket, login.user, document.getElementById('handoff-count'));
  let show = () => undefined;
  const conversations = createConversationsView(login.user, (id) => {
    show('live');
    live.open(id);
  });
  replace(main, review.element, live.element, conversations.element);
  show = sections(document.getElementById('nav'), { review, live, conversations });
}

start().catch((error) =>
  replace(
    main,
    h('p', { class: 'notice error', role: 'alert' }, `The console could not start: ${error.message}`),
  ),
);
