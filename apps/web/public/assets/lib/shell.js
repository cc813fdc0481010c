// The frame of a console page: sign-in form, header with the signed-in user, and a socket to a namespace.
import { api, clearSession, saveSession, session } from './api.js';
import { h, notifier, replace } from './dom.js';

/**
 * Shows the sign-in form in `main` until someone with one of `roles` signs in, then resolves with the session.
 * @param {HTMLElement} main
 * @param {string[]} roles
 */
export function signIn(main, roles) {
  const current = session();
  if (current && roles.includes(current.user.role)) return Promise.resolve(current);
  return new Promise((resolve) => {
    const status = h('div', { class: 'notice', id: 'login-status' });
    const notice = notifier(status);
    const email = h('input', {
      id: 'login-email',
      type: 'email',
      name: 'email',
      autocomplete: 'username',
      required: true,
    });
    const password = h('input', {
      id: 'login-password',
      type: 'password',
      name: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const form = h(
      'form',
      { class: 'card login', 'aria-labelledby': 'login-title' },
      h('h1', { id: 'login-title' }, 'Sign in'),
      h('label', { for: 'login-email' }, 'Email'),
      email,
      h('label', { for: 'login-password' }, 'Password'),
      password,
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
      status,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      notice.info('Signing in…');
      try {
        const login = await api('POST', '/api/auth/login', {
          email: email.value.trim(),
          password: password.value,
        });
        if (!roles.includes(login.user.role)) {
          notice.error(
            `This page is for ${roles.join(' or ')} accounts; you are signed in as ${login.user.role}.`,
          );
          return;
        }
        saveSession(login);
        resolve(login);
      } catch (error) {
        notice.error(error);
        password.select();
      }
    });
    replace(main, form);
    email.focus();
  });
}

/** Fills the header's account area: the user's name and a sign-out button. */
export function showAccount(area, login) {
  const signOut = h('button', { type: 'button', class: 'secondary' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    try {
      await api('POST', '/api/auth/logout');
    } finally {
      clearSession();
      location.reload();
    }
  });
  replace(area, h('span', { class: 'who' }, `${login.user.name} (${login.user.role})`), signOut);
}

/** Reloads the page (back to the sign-in form) when the token expires or is revoked. */
export function onSignedOut() {
  window.addEventListener('parley:signed-out', () => location.reload());
}

/**
 * A socket.io connection to `namespace` with the login token; reconnects on its own. `onState` hears
 * 'connected' | 'disconnected' | an error message.
 */
export async function connectSocket(namespace, token, onState) {
  const { io } = await import('/assets/vendor/socket.io.esm.min.js');
  const socket = io(namespace, { transports: ['websocket'], auth: { token } });
  socket.on('connect', () => onState('connected'));
  socket.on('disconnect', () => onState('disconnected'));
  socket.on('connect_error', (error) => {
    const code = error.data && error.data.code;
    if (code === 'UNAUTHENTICATED') {
      clearSession();
      location.reload();
      return;
    }
    onState(`Live updates unavailable: ${(error.data && error.data.message) || error.message}`);
  });
  return socket;
}

/** Emits with an ack; resolves with `data`, rejects with `{ code, message }`. */
export function request(socket, event, payload, timeout = 15000) {
  return new Promise((resolve, reject) => {
    socket.timeout(timeout).emit(event, payload, (err, ack) => {
      if (err) reject({ code: 'TIMEOUT', message: 'No answer from the server' });
      else if (ack.ok) resolve(ack.data);
      else reject(ack.error);
    });
  });
}

/**
 * Switches between a page's sections with the nav buttons (`data-view`); the current one has
 * aria-current=page. The section shown is kept in the URL hash so a reload stays there.
 * @param {HTMLElement} nav
 * @param {Record<string, { element: HTMLElement, onShow?: () => void }>} views
 */
export function sections(nav, views) {
  const buttons = [...nav.querySelectorAll('[data-view]')];
  function show(name) {
    if (!views[name]) name = buttons[0].dataset.view;
    for (const button of buttons) {
      if (button.dataset.view === name) button.setAttribute('aria-current', 'page');
      else button.removeAttribute('aria-current');
    }
    for (const [key, view] of Object.entries(views)) view.element.hidden = key !== name;
    if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
    views[name].onShow?.();
  }
  for (const button of buttons) button.addEventListener('click', () => show(button.dataset.view));
  nav.hidden = false;
  show(location.hash.slice(1));
  return show;
}
