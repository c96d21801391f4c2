import type { Agent, Macro, Workspace } from './schema.js';

export type Article = Workspace['articles'][number];

/** An article an admin manages from Slack, with its database id: the key a form's pick carries. */
export interface OverlayArticle extends Article {
  id: string;
}

/**
 * What admins manage from Slack, kept in the database (docs/admin.md): shared macros, articles and
 * agents' extra group memberships. It is laid over the workspace file's entries, never in their place:
 * the file's are read-only in Slack, and when both name the same macro or article the file's wins
 * (creation refuses the clash; a file that adds the name later hides the database's, said on reload).
 */
export interface DeskOverlay {
  macros: readonly Macro[];
  articles: readonly OverlayArticle[];
  memberships: readonly { user: string; groupId: number; name: string }[];
}

export const EMPTY_OVERLAY: DeskOverlay = { macros: [], articles: [], memberships: [] };

const key = (name: string) => name.trim().toLowerCase();

/** The workspace the desk runs on: the file's, with the overlay's entries beside them. */
export function withOverlay(file: Workspace, overlay: DeskOverlay): Workspace {
  if (overlay.macros.length === 0 && overlay.articles.length === 0 && overlay.memberships.length === 0) return file;
  const fileMacros = new Set(file.macros.map((macro) => key(macro.name)));
  const fileArticles = new Set(file.articles.map((article) => key(article.title)));
  const groups = new Set(file.groups.map((group) => group.id));
  const agents = new Map<string, Agent>(file.agents.map((agent) => [agent.user, agent]));
  for (const membership of overlay.memberships) {
    if (!groups.has(membership.groupId)) continue;
    const agent = agents.get(membership.user);
    if (!agent)
      agents.set(membership.user, {
        user: membership.user,
        name: membership.name,
        groups: [membership.groupId],
        role: 'agent',
      });
    else if (!agent.groups.includes(membership.groupId))
      agents.set(membership.user, { ...agent, groups: [...agent.groups, membership.groupId] });
  }
  return {
    ...file,
    agents: [...agents.values()],
    macros: [...file.macros, ...overlay.macros.filter((macro) => !fileMacros.has(key(macro.name)))],
    articles: [
      ...file.articles,
      ...overlay.articles
        .filter((article) => !fileArticles.has(key(article.title)))
        .map(({ id: _id, ...article }) => article),
    ],
  };
}

/** What the file now holds that hides the overlay's: said to admins when a reload brings such a file in. */
export function overlayClashes(file: Workspace, overlay: DeskOverlay): string[] {
  const fileMacros = new Set(file.macros.map((macro) => key(macro.name)));
  const fileArticles = new Set(file.articles.map((article) => key(article.title)));
  const groups = new Set(file.groups.map((group) => group.id));
  return [
    ...overlay.macros
      .filter((macro) => fileMacros.has(key(macro.name)))
      .map(
        (macro) =>
          `The file now has a macro named "${macro.name}", like one managed in Slack: the file's is offered, the one from Slack is hidden until it is renamed or retired.`,
      ),
    ...overlay.articles
      .filter((article) => fileArticles.has(key(article.title)))
      .map(
        (article) =>
          `The file now has an article titled "${article.title}", like one managed in Slack: the file's is offered, the one from Slack is hidden until it is renamed or retired.`,
      ),
    ...overlay.memberships
      .filter((membership) => !groups.has(membership.groupId))
      .map(
        (membership) =>
          `${membership.name} was put in group ${membership.groupId} from Slack, which the file no longer has: that membership counts for nothing until the group is back.`,
      ),
  ];
}
