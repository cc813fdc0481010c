// A knowledge-base article for customers: /help/<id>. The body is plain text (paragraphs and numbered
// steps split on blank lines and line breaks), written with textContent.
import { api } from './lib/api.js';
import { h, replace } from './lib/dom.js';

const article = document.querySelector('.help-article');
const title = document.getElementById('help-title');
const body = document.getElementById('help-body');

async function show() {
  const id = decodeURIComponent(location.pathname.split('/').pop() || '');
  try {
    const data = await api('GET', `/api/help/articles/${encodeURIComponent(id)}`);
    document.title = `${data.title} · Help`;
    title.textContent = data.title;
    replace(body, ...data.body.split(/\n{2,}/).map((block) => h('p', {}, block.trim())));
  } catch (error) {
    title.textContent =
      error.status === 404 || error.status === 400 ? 'Article not found' : 'This article could not be loaded';
    replace(body, h('p', { role: 'alert' }, error.message));
  } finally {
    article.setAttribute('aria-busy', 'false');
  }
}

show();
