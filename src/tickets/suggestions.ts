import type { Workspace } from '../workspace/schema.js';
import type { Ticket } from './types.js';

export interface ArticleSuggestion {
  title: string;
  url: string;
  /** How many of the article's keywords the ticket mentions. */
  score: number;
}

function wordsOf(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean));
}

function mentions(words: Set<string>, text: string, keyword: string): boolean {
  const wanted = keyword.toLowerCase().trim();
  // A keyword of several words is looked for as a phrase; a single word must be a whole word.
  return wanted.includes(' ') ? text.includes(wanted) : words.has(wanted);
}

function scored<T extends { keywords: readonly string[] }>(items: readonly T[], ticket: Pick<Ticket, 'subject' | 'description'>) {
  const text = `${ticket.subject}\n${ticket.description}`.toLowerCase();
  const words = wordsOf(text);
  return items
    .map((item, index) => ({ item, index, score: item.keywords.filter((keyword) => mentions(words, text, keyword)).length }))
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.index - b.index);
}

/** Knowledge-base articles whose keywords the ticket mentions, best first. */
export function suggestArticles(workspace: Workspace, ticket: Pick<Ticket, 'subject' | 'description'>, limit = 5): ArticleSuggestion[] {
  return scored(workspace.articles, ticket)
    .slice(0, limit)
    .map(({ item, score }) => ({ title: item.title, url: item.url, score }));
}

/** The root cause the ticket's words point to most, to pre-fill the form; the agent may change it. */
export function suggestRootCause(workspace: Workspace, ticket: Pick<Ticket, 'subject' | 'description'>): string | undefined {
  return scored(workspace.rootCauses, ticket)[0]?.item.name;
}
