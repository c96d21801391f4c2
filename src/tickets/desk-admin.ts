import { z } from 'zod';
import type { AdminChange } from '../store/admin-changes.js';
import type { ManagedArticle } from '../store/managed-articles.js';
import type { ManagedMacro } from '../store/managed-macros.js';
import { type EntryChange, type EntryFields, nameKeyOf, type VersionedEntry } from '../store/versioned-entries.js';
import type { DeskOverlay, OverlayArticle } from '../workspace/desk-overlay.js';
import type { Macro } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { personalMacroSchema } from './macros.js';

/**
 * What admins manage from Slack beside the workspace file (docs/admin.md): shared macros, articles
 * and agents' group memberships, in the database. The file's entries are read-only here; on a name
 * clash the file wins. Every change is one conditional write, then a line in the audit, then the
 * desk's overlay read again (other replicas read it when the audit's counter moves).
 */

export const ARTICLE_TITLE_MAX = 80;
/** Slack's plain_text_input takes at most 3000 characters; a link longer than this is not one an agent pastes. */
export const ARTICLE_URL_MAX = 2000;
export const ARTICLE_SUMMARY_MAX = 300;
const KEYWORDS_MAX = 20;
const KEYWORD_MAX = 40;

export const managedMacroSchema = personalMacroSchema;

export const managedArticleSchema = z.object({
  title: z
    .string()
    .trim()
    .min(1, 'Give the article a title.')
    .max(ARTICLE_TITLE_MAX, `An article title is at most ${ARTICLE_TITLE_MAX} characters.`),
  url: z
    .string()
    .trim()
    .max(ARTICLE_URL_MAX, `A link is at most ${ARTICLE_URL_MAX} characters.`)
    .pipe(z.url({ protocol: /^https?$/, error: 'The link must start with http:// or https://.' }))
    // Stored as the URL parser writes it (`<`, `>` and spaces escaped) and without `|`: the link goes
    // into mrkdwn as `<url|title>`, where either would end it early and let the rest be read as markup.
    .transform((url) => new URL(url).href.replace(/\|/g, '%7C')),
  summary: z
    .string()
    .trim()
    .max(ARTICLE_SUMMARY_MAX, `A summary is at most ${ARTICLE_SUMMARY_MAX} characters.`)
    .optional()
    .transform((summary) => summary || undefined),
  /** Typed as one line, split on commas: what suggests the article for a ticket's words. */
  keywords: z
    .string()
    .max(KEYWORDS_MAX * (KEYWORD_MAX + 2), 'Too many keywords.')
    .optional()
    .transform((typed) =>
      (typed ?? '')
        .split(',')
        .map((word) => word.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.string().max(KEYWORD_MAX, `A keyword is at most ${KEYWORD_MAX} characters.`))
        .max(KEYWORDS_MAX, `At most ${KEYWORDS_MAX} keywords.`),
    ),
});

export type ManagedKind = 'macro' | 'article';
type Allowed = { ok: true } | Refusal;

export function adminOrRefusal(desk: Desk, userId: string, action: string): Allowed {
  return desk.directory.agent(userId)?.role === 'admin' ? { ok: true } : refuse('admins_only', { action });
}

function macroOf(entry: ManagedMacro): Macro {
  return {
    name: entry.name,
    text: entry.text,
    public: entry.public,
    ...(entry.status ? { status: entry.status } : {}),
  };
}

function articleOf(entry: ManagedArticle): OverlayArticle {
  return {
    id: entry.id,
    title: entry.title,
    url: entry.url,
    keywords: entry.keywords,
    ...(entry.summary ? { summary: entry.summary } : {}),
  };
}

/** The refresh under way per directory: two at once would let the older read land last and undo the newer. */
const refreshing = new WeakMap<object, Promise<unknown>>();

/** Reads what admins manage from the database into the desk's directory; what was retired is left out. */
export function refreshDeskOverlay(desk: Desk): Promise<DeskOverlay> {
  const run = (refreshing.get(desk.directory) ?? Promise.resolve()).then(() => readDeskOverlay(desk));
  refreshing.set(
    desk.directory,
    run.catch(() => undefined),
  );
  return run;
}

async function readDeskOverlay(desk: Desk): Promise<DeskOverlay> {
  const [macros, articles, memberships] = await Promise.all([
    desk.store.managedMacros.all(),
    desk.store.managedArticles.all(),
    desk.store.memberships.all(),
  ]);
  const overlay: DeskOverlay = {
    macros: macros.filter((entry) => !entry.retired).map(macroOf),
    articles: articles.filter((entry) => !entry.retired).map(articleOf),
    memberships: memberships.map(({ user, groupId, name }) => ({ user, groupId, name })),
  };
  desk.directory.replaceOverlay(overlay);
  return overlay;
}

/**
 * Keeps a replica's overlay in step with the database: one read of the audit's counter each
 * interval, and the whole overlay read again only when it moved (another replica's admin changed it).
 */
export class DeskOverlayFollower {
  private revision = -1;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly desk: Desk) {}

  /** Reads the overlay when the database's revision is not the one read last; true when it did. */
  async refresh(): Promise<boolean> {
    const revision = await this.desk.store.adminChanges.revision();
    if (revision === this.revision) return false;
    await refreshDeskOverlay(this.desk);
    this.revision = revision;
    return true;
  }

  follow(intervalMs: number, onFault: (error: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.refresh().catch(onFault), intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

async function recorded(desk: Desk, change: Omit<AdminChange, 'seq' | 'at'>): Promise<void> {
  await desk.store.adminChanges.record({ ...change, at: desk.clock() });
  await refreshDeskOverlay(desk);
}

/** A refusal shown on the form's field it is about. */
export type AdminFormRefusal = Refusal & { field?: string };

function invalid(error: z.ZodError): AdminFormRefusal {
  const issue = error.issues[0]!;
  return { ...refuse('invalid', { message: issue.message }), field: String(issue.path[0] ?? '') };
}

// ── Macros and articles ─────────────────────────────────────────────────────────────────────────

type MacroInput = z.input<typeof managedMacroSchema>;
type ArticleInput = z.input<typeof managedArticleSchema>;

export type ManagedSaved<E> = { ok: true; entry: E } | AdminFormRefusal;

function entriesOf(desk: Desk, kind: ManagedKind) {
  return kind === 'macro' ? desk.store.managedMacros : desk.store.managedArticles;
}

function fileNamesOf(desk: Desk, kind: ManagedKind): string[] {
  const file = desk.directory.fileWorkspace;
  return kind === 'macro' ? file.macros.map((macro) => macro.name) : file.articles.map((article) => article.title);
}

/** Where a name already is, if anywhere but `exceptId`: the file's entries first, which win. */
async function nameClash(
  desk: Desk,
  kind: ManagedKind,
  name: string,
  exceptId?: string,
): Promise<'file' | 'slack' | 'retired' | null> {
  const key = nameKeyOf(name);
  if (fileNamesOf(desk, kind).some((named) => nameKeyOf(named) === key)) return 'file';
  const other = (await entriesOf(desk, kind).all()).find((entry) => entry.nameKey === key && entry.id !== exceptId);
  if (!other) return null;
  return other.retired ? 'retired' : 'slack';
}

function parseEntry(kind: ManagedKind, input: MacroInput | ArticleInput) {
  if (kind === 'macro') {
    const parsed = managedMacroSchema.safeParse(input);
    if (!parsed.success) return { ok: false as const, refusal: invalid(parsed.error) };
    const { status, ...rest } = parsed.data;
    return { ok: true as const, name: rest.name, fields: { ...rest, ...(status ? { status } : {}) } };
  }
  const parsed = managedArticleSchema.safeParse(input);
  if (!parsed.success) return { ok: false as const, refusal: invalid(parsed.error) };
  const { summary, ...rest } = parsed.data;
  return { ok: true as const, name: rest.title, fields: { ...rest, ...(summary ? { summary } : {}) } };
}

const NAME_FIELD: Record<ManagedKind, string> = { macro: 'name', article: 'title' };
const MANAGE: Record<ManagedKind, string> = {
  macro: 'manage shared macros',
  article: 'manage knowledge-base articles',
};

async function outcomeOf<E extends VersionedEntry>(
  desk: Desk,
  kind: ManagedKind,
  name: string,
  change: EntryChange<E>,
  exceptId?: string,
): Promise<ManagedSaved<E>> {
  if (change.ok) return { ok: true, entry: change.entry };
  if (change.why === 'name_taken')
    return {
      ...refuse('name_taken', { kind, name, where: (await nameClash(desk, kind, name, exceptId)) ?? 'slack' }),
      field: NAME_FIELD[kind],
    };
  if (change.why === 'changed_meanwhile' && change.current)
    return refuse('edited_meanwhile', { kind, name, by: change.current.updatedBy });
  return refuse('no_such_managed', { kind });
}

export async function createManaged(
  desk: Desk,
  kind: 'macro',
  by: string,
  input: MacroInput,
): Promise<ManagedSaved<ManagedMacro>>;
export async function createManaged(
  desk: Desk,
  kind: 'article',
  by: string,
  input: ArticleInput,
): Promise<ManagedSaved<ManagedArticle>>;
export async function createManaged(
  desk: Desk,
  kind: ManagedKind,
  by: string,
  input: MacroInput | ArticleInput,
): Promise<ManagedSaved<ManagedMacro | ManagedArticle>> {
  const allowed = adminOrRefusal(desk, by, MANAGE[kind]);
  if (!allowed.ok) return allowed;
  const parsed = parseEntry(kind, input);
  if (!parsed.ok) return parsed.refusal;
  const clash = await nameClash(desk, kind, parsed.name);
  if (clash) return { ...refuse('name_taken', { kind, name: parsed.name, where: clash }), field: NAME_FIELD[kind] };
  const change =
    kind === 'macro'
      ? await desk.store.managedMacros.create(parsed.fields as EntryFields<ManagedMacro>, parsed.name, by, desk.clock())
      : await desk.store.managedArticles.create(
          parsed.fields as EntryFields<ManagedArticle>,
          parsed.name,
          by,
          desk.clock(),
        );
  const outcome = await outcomeOf<ManagedMacro | ManagedArticle>(desk, kind, parsed.name, change);
  if (outcome.ok) await recorded(desk, { by, kind, action: 'created', subject: parsed.name });
  return outcome;
}

export async function editManaged(
  desk: Desk,
  kind: ManagedKind,
  by: string,
  target: { id: string; version: number },
  input: MacroInput | ArticleInput,
): Promise<ManagedSaved<ManagedMacro | ManagedArticle>> {
  const allowed = adminOrRefusal(desk, by, MANAGE[kind]);
  if (!allowed.ok) return allowed;
  const parsed = parseEntry(kind, input);
  if (!parsed.ok) return parsed.refusal;
  if (fileNamesOf(desk, kind).some((named) => nameKeyOf(named) === nameKeyOf(parsed.name)))
    return { ...refuse('name_taken', { kind, name: parsed.name, where: 'file' }), field: NAME_FIELD[kind] };
  const before = await entriesOf(desk, kind).get(target.id);
  const change = await entriesOf(desk, kind).change(
    target.id,
    target.version,
    // A field the form left empty (a summary taken away) is cleared, not kept.
    { ...(kind === 'article' ? { summary: undefined } : { status: undefined }), ...parsed.fields },
    parsed.name,
    by,
    desk.clock(),
  );
  const outcome = await outcomeOf<ManagedMacro | ManagedArticle>(desk, kind, parsed.name, change, target.id);
  if (outcome.ok) {
    const oldName = before ? ('name' in before ? before.name : before.title) : parsed.name;
    await recorded(desk, {
      by,
      kind,
      action: 'edited',
      subject: parsed.name,
      ...(oldName !== parsed.name ? { detail: `renamed from "${oldName}"` } : {}),
    });
  }
  return outcome;
}

/** Out of every picker from now on; kept, with who retired it and when, for the history. */
export async function retireManaged(
  desk: Desk,
  kind: ManagedKind,
  by: string,
  target: { id: string; version: number },
): Promise<ManagedSaved<ManagedMacro | ManagedArticle>> {
  const allowed = adminOrRefusal(desk, by, MANAGE[kind]);
  if (!allowed.ok) return allowed;
  const before = await entriesOf(desk, kind).get(target.id);
  if (!before || before.retired) return refuse('no_such_managed', { kind });
  const name = 'name' in before ? before.name : before.title;
  const change = await entriesOf(desk, kind).change(
    target.id,
    target.version,
    { retired: true },
    undefined,
    by,
    desk.clock(),
  );
  const outcome = await outcomeOf<ManagedMacro | ManagedArticle>(desk, kind, name, change, target.id);
  if (outcome.ok) await recorded(desk, { by, kind, action: 'retired', subject: name });
  return outcome;
}

export interface ManagedBoard<E> {
  /** The workspace file's, read-only in Slack. */
  fromFile: string[];
  /** The database's: live ones first, each marked when a file entry of the same name hides it. */
  managed: (E & { hiddenByFile: boolean })[];
}

export async function managedBoard(desk: Desk, kind: 'macro'): Promise<ManagedBoard<ManagedMacro>>;
export async function managedBoard(desk: Desk, kind: 'article'): Promise<ManagedBoard<ManagedArticle>>;
export async function managedBoard(
  desk: Desk,
  kind: ManagedKind,
): Promise<ManagedBoard<ManagedMacro | ManagedArticle>> {
  const fromFile = fileNamesOf(desk, kind);
  const fileKeys = new Set(fromFile.map(nameKeyOf));
  const entries: (ManagedMacro | ManagedArticle)[] = await entriesOf(desk, kind).all();
  return {
    fromFile,
    managed: entries
      .map((entry) => ({ ...entry, hiddenByFile: !entry.retired && fileKeys.has(entry.nameKey) }))
      .sort((a, b) => Number(a.retired) - Number(b.retired) || a.nameKey.localeCompare(b.nameKey)),
  };
}

// ── Group membership ────────────────────────────────────────────────────────────────────────────

const MANAGE_MEMBERS = 'change who is in a group';
/** Statuses in which a ticket still needs its assignee. */
const HELD_STATUSES = ['new', 'open', 'pending'] as const;
const HELD_READ = 200;

export async function addToGroup(
  desk: Desk,
  by: string,
  wanted: { user: string; groupId: number; name: string },
): Promise<{ ok: true } | Refusal> {
  const allowed = adminOrRefusal(desk, by, MANAGE_MEMBERS);
  if (!allowed.ok) return allowed;
  if (!desk.directory.group(wanted.groupId)) return refuse('no_such_group', { groupId: wanted.groupId });
  const fileAgent = desk.directory.fileWorkspace.agents.find((agent) => agent.user === wanted.user);
  if (fileAgent?.groups.includes(wanted.groupId))
    return refuse('in_group_already', { person: wanted.user, groupId: wanted.groupId, fromFile: true });
  const name = desk.directory.agent(wanted.user)?.name ?? wanted.name;
  const added = await desk.store.memberships.add({
    user: wanted.user,
    groupId: wanted.groupId,
    name,
    addedBy: by,
    addedAt: desk.clock(),
  });
  if (!added) return refuse('in_group_already', { person: wanted.user, groupId: wanted.groupId, fromFile: false });
  await recorded(desk, {
    by,
    kind: 'membership',
    action: 'added',
    subject: `${name} (${wanted.user}) to ${desk.directory.groupName(wanted.groupId)}`,
  });
  return { ok: true };
}

/**
 * Out of the group from now on. Tickets they hold there stay theirs and stay in the group's list,
 * where its leads see and reassign them (as when the file drops an agent): never without a group,
 * never silently handed to someone else. The admin is told which they are.
 */
export async function removeFromGroup(
  desk: Desk,
  by: string,
  user: string,
  groupId: number,
): Promise<{ ok: true; held: number[]; stillAgent: boolean } | Refusal> {
  const allowed = adminOrRefusal(desk, by, MANAGE_MEMBERS);
  if (!allowed.ok) return allowed;
  const fileAgent = desk.directory.fileWorkspace.agents.find((agent) => agent.user === user);
  if (fileAgent?.groups.includes(groupId)) return refuse('member_from_file', { person: user, groupId });
  const removed = await desk.store.memberships.remove(user, groupId);
  if (!removed) return refuse('not_a_member', { person: user, groupId });
  const held = (await desk.store.tickets.assignedTo(user, HELD_STATUSES, HELD_READ))
    .filter((ticket) => ticket.groupId === groupId)
    .map((ticket) => ticket.number)
    .sort((a, b) => a - b);
  await recorded(desk, {
    by,
    kind: 'membership',
    action: 'removed',
    subject: `${removed.name} (${user}) from ${desk.directory.groupName(groupId)}`,
    ...(held.length > 0
      ? {
          detail: `still holds ${held.map((number) => `#${number}`).join(', ')}, left in the group's list for a lead to reassign`,
        }
      : {}),
  });
  return { ok: true, held, stillAgent: desk.directory.agent(user) !== undefined };
}

export interface GroupMembers {
  groupId: number;
  fromFile: { user: string; name: string }[];
  fromSlack: { user: string; name: string; addedBy: string; addedAt: Date }[];
}

export async function groupMembers(desk: Desk, groupId: number): Promise<GroupMembers> {
  const fromFile = desk.directory.fileWorkspace.agents
    .filter((agent) => agent.groups.includes(groupId))
    .map(({ user, name }) => ({ user, name }));
  const fromSlack = (await desk.store.memberships.all())
    .filter((membership) => membership.groupId === groupId)
    .map(({ user, name, addedBy, addedAt }) => ({ user, name, addedBy, addedAt }));
  return { groupId, fromFile, fromSlack };
}

const AUDIT_SHOWN = 30;

export async function recentAdminChanges(
  desk: Desk,
  by: string,
): Promise<{ ok: true; changes: AdminChange[] } | Refusal> {
  const allowed = adminOrRefusal(desk, by, 'read the audit of admin changes');
  if (!allowed.ok) return allowed;
  return { ok: true, changes: await desk.store.adminChanges.recent(AUDIT_SHOWN) };
}
