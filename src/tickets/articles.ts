import type { Article } from '../workspace/desk-overlay.js';
import type { Directory } from '../workspace/directory.js';

/**
 * A knowledge-base article with the key the reply form's picks and Link buttons carry. A position in
 * the list would not do: admins add and retire articles from Slack, so between an agent's search and
 * their click the same position can hold another article. The key names one article for good: the
 * file's by its title (unique among the file's, and the file has no id of its own), one managed in
 * Slack by its database id (so a rename keeps it; a retired one's key resolves to nothing).
 */
export interface KeyedArticle extends Article {
  key: string;
}

const FILE_KEY = 'f:';
const MANAGED_KEY = 'm:';

/** Slack's cap on an option's or a button's value; titles are at most 80 characters and ids are UUIDs, well within it. */
export const ARTICLE_KEY_MAX = 150;

const titleKey = (title: string) => title.trim().toLowerCase();

/** The articles the desk offers now, the file's first, each with its key. */
export function deskArticles(directory: Directory): KeyedArticle[] {
  const fileTitles = new Set(directory.fileWorkspace.articles.map((article) => titleKey(article.title)));
  const managed = new Map(directory.overlay.articles.map((article) => [titleKey(article.title), article.id]));
  return directory.workspace.articles.map((article) => {
    const title = titleKey(article.title);
    const id = fileTitles.has(title) ? undefined : managed.get(title);
    return { ...article, key: id === undefined ? `${FILE_KEY}${title}` : `${MANAGED_KEY}${id}` };
  });
}

/** The article a pick or a Link click names, if the desk still offers it. */
export function articleByKey(directory: Directory, key: string): KeyedArticle | undefined {
  if (key.length > ARTICLE_KEY_MAX) return undefined;
  return deskArticles(directory).find((article) => article.key === key);
}
