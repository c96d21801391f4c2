import type { Workspace } from '../workspace/schema.js';
import type { KeyedArticle } from './articles.js';
import type { Ticket } from './types.js';

export interface ArticleSuggestion {
  /** What the form's Link button carries (articles.ts). */
  key: string;
  title: string;
  url: string;
  summary?: string;
  /** How many of the article's keywords the ticket mentions. */
  score: number;
}

function wordsOf(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter(Boolean),
  );
}

function mentions(words: Set<string>, text: string, keyword: string): boolean {
  const wanted = keyword.toLowerCase().trim();
  // A keyword of several words is looked for as a phrase; a single word must be a whole word.
  return wanted.includes(' ') ? text.includes(wanted) : words.has(wanted);
}

function scored<T extends { keywords: readonly string[] }>(
  items: readonly T[],
  ticket: Pick<Ticket, 'subject' | 'description'>,
) {
  const text = `${ticket.subject}\n${ticket.description}`.toLowerCase();
  const words = wordsOf(text);
  return items
    .map((item, index) => ({
      item,
      index,
      score: item.keywords.filter((keyword) => mentions(words, text, keyword)).length,
    }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Knowledge-base articles whose keywords the ticket mentions, best first. */
export function suggestArticles(
  articles: readonly KeyedArticle[],
  ticket: Pick<Ticket, 'subject' | 'description'>,
  limit = 5,
): ArticleSuggestion[] {
  return scored(articles, ticket)
    .slice(0, limit)
    .map(({ item, score }) => ({
      key: item.key,
      title: item.title,
      url: item.url,
      ...(item.summary ? { summary: item.summary } : {}),
      score,
    }));
}

/** The root cause the ticket's words point to most, to pre-fill the form; the agent may change it. */
export function suggestRootCause(
  workspace: Workspace,
  ticket: Pick<Ticket, 'subject' | 'description'>,
): string | undefined {
  return scored(workspace.rootCauses, ticket)[0]?.item.name;
}

/**
 * The reply form's knowledge-base search, as the agent types: articles whose title, keywords or
 * address contain every typed word (case-insensitive), titles that start with the text first. Each
 * comes with its key, which the form hands back when one is picked.
 */
export function searchArticles(
  articles: readonly KeyedArticle[],
  typed: string,
  limit = 100,
): { key: string; title: string; url: string }[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
  if (words.length === 0) return [];
  const start = words.join(' ');
  return articles
    .map((article, index) => ({
      article,
      index,
      haystack: [article.title, ...article.keywords, article.url].join(' ').toLowerCase(),
    }))
    .filter((entry) => words.every((word) => entry.haystack.includes(word)))
    .sort(
      (a, b) =>
        Number(b.article.title.toLowerCase().startsWith(start)) -
          Number(a.article.title.toLowerCase().startsWith(start)) || a.index - b.index,
    )
    .slice(0, limit)
    .map(({ article }) => ({ key: article.key, title: article.title, url: article.url }));
}
