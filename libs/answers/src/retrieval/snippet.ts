import { KbArticle } from '@app/database';
import { CompanyProfile, SearchHit } from '../answers.types';
import { renderTemplate } from '../template/template-renderer';

/**
 * A chat-sized excerpt: whole lines of the body (company facts filled in) up to `maxChars`, cut at a sentence end
 * when even the first line is longer.
 */
export function snippetOf(article: Pick<KbArticle, 'body'>, company: CompanyProfile, maxChars: number): string {
  const body = renderTemplate(article.body, {}, company).replace(/\r\n?/g, '\n');
  const lines = body.split('\n').map((l) => l.trimEnd());
  const out: string[] = [];
  let len = 0;
  for (const line of lines) {
    if (line.trim() === '' && (out.length === 0 || out[out.length - 1] === '')) continue;
    if (len + line.length > maxChars && out.length > 0) break;
    out.push(line);
    len += line.length + 1;
  }
  let text = out.join('\n').trim();
  if (text.length > maxChars) {
    const cut = text.slice(0, maxChars);
    const end = Math.max(cut.lastIndexOf('. '), cut.lastIndexOf('.\n'));
    text = end > maxChars / 3 ? cut.slice(0, end + 1) : `${cut.slice(0, cut.lastIndexOf(' '))}…`;
  }
  return text;
}

/** The retrieval reply: the article's title, the excerpt and a citation the widget can link via `sources`. */
export function formatRetrievalReply(hit: Pick<SearchHit, 'title' | 'snippet' | 'slug'>): string {
  return `${hit.title}\n\n${hit.snippet}\n\nSource: help article “${hit.slug}”`;
}
