import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Log } from '../log.js';
import type { Desk } from '../tickets/desk.js';
import { overlayClashes, withOverlay } from './desk-overlay.js';
import { loadWorkspaceFile } from './loader.js';
import type { Workspace } from './schema.js';

/** What a reload did: the new workspace in place, with what people should know; or the running one kept, and why. */
export type ReloadOutcome = { ok: true; notes: string[] } | { ok: false; problems: string[] };

/** How many ticket numbers a refusal names before saying "and N more". */
const NAMED_TICKETS = 10;

/**
 * Whether `next` may replace the running workspace, judged against the tickets it would leave behind.
 * A group id is how every ticket points at its group, so a group removed (or whose id changed, which
 * is the same thing to a ticket) while it still has tickets that are not closed is refused, naming
 * them: accepting it would leave those tickets in no queue and no lead's sight. An agent removed
 * while holding tickets is accepted: the tickets keep their group, where its leads see and reassign
 * them, and the admins are told which they are.
 */
export async function checkReplacement(desk: Desk, nextFile: Workspace): Promise<ReloadOutcome> {
  const running = desk.directory.workspace;
  // Compared as the desk will run on it: memberships made in Slack keep their agents.
  const next = withOverlay(nextFile, desk.directory.overlay);
  const kept = new Set(next.groups.map((group) => group.id));
  const removedGroups = running.groups.filter((group) => !kept.has(group.id));
  const problems: string[] = [];
  if (removedGroups.length > 0) {
    const stranded = await desk.store.tickets.notClosedIn(
      removedGroups.map((group) => group.id),
      NAMED_TICKETS + 1,
    );
    for (const group of removedGroups) {
      const numbers = stranded.filter((ticket) => ticket.groupId === group.id).map((ticket) => `#${ticket.number}`);
      if (numbers.length === 0) continue;
      const index = running.groups.indexOf(group);
      const more = stranded.length > NAMED_TICKETS ? ' and more' : '';
      problems.push(
        `groups[${index}]: group ${group.id} (${group.name}) is gone from the file but still has tickets that are not closed: ${numbers.slice(0, NAMED_TICKETS).join(', ')}${more}. Move or close them first (a changed id counts as a removed group).`,
      );
    }
  }
  if (problems.length > 0) return { ok: false, problems };

  const notes: string[] = [];
  const stillAgents = new Set(next.agents.map((agent) => agent.user));
  const removedAgents = running.agents.filter((agent) => !stillAgents.has(agent.user));
  const held = await desk.store.tickets.countAssignedByAgent(
    removedAgents.map((agent) => agent.user),
    ['new', 'open', 'pending'],
  );
  for (const agent of removedAgents) {
    const count = held.get(agent.user) ?? 0;
    if (count > 0)
      notes.push(
        `${agent.name} is no longer an agent and still holds ${count} ticket(s): they stay in their groups' lists, where a lead can reassign them.`,
      );
  }
  for (const group of next.groups) {
    const before = running.groups.find((old) => old.id === group.id);
    if (before && before.alertChannel !== group.alertChannel)
      notes.push(
        `Group ${group.id} (${group.name}) now alerts in another channel: new tickets are announced there; earlier alerts stay where they were posted.`,
      );
  }
  notes.push(...overlayClashes(nextFile, desk.directory.overlay));
  return { ok: true, notes };
}

export interface WorkspaceReloaderOptions {
  desk: Desk;
  path: string;
  log: Log;
  /** Told what an admin should know: the problems of a refused reload, or the notes of an accepted one. */
  tellAdmins: (heading: string, lines: readonly string[]) => Promise<void>;
  /** Saves closer together than this are one reload (an editor writes a file several times per save). */
  debounceMs?: number;
}

/**
 * Re-reads the workspace file when it changes, on SIGHUP and on `/ticket admin reload`, one reload at a
 * time: the same schema as at start, then checkReplacement, then the directory swapped whole. A file
 * that fails either keeps the running workspace, and the admins hear the same messages as at start.
 */
export class WorkspaceReloader {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** How many reloads ran (each storm of saves counts once); tests read it. */
  reloads = 0;

  constructor(private readonly options: WorkspaceReloaderOptions) {}

  /**
   * Watches the file's directory rather than the file: editors save by writing a new file and renaming
   * it over the old one, after which a watch on the old file hears nothing more.
   */
  watch(): void {
    if (this.watcher) return;
    const name = basename(this.options.path);
    this.watcher = watch(dirname(this.options.path), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.reload('the file changed');
      }, this.options.debounceMs ?? 500);
    });
  }

  reload(reason: string): Promise<ReloadOutcome> {
    const run = this.chain.then(() => this.reloadNow(reason));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once no reload is waiting for its debounce or running. */
  async idle(): Promise<void> {
    while (this.timer) await new Promise((resolve) => setTimeout(resolve, 20));
    await this.chain;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private async reloadNow(reason: string): Promise<ReloadOutcome> {
    const { desk, path, log } = this.options;
    this.reloads++;
    const loaded = await loadWorkspaceFile(path);
    const outcome = loaded.ok ? await checkReplacement(desk, loaded.workspace) : loaded;
    if (outcome.ok && loaded.ok) {
      desk.directory.replace(loaded.workspace);
      log(`workspace: reloaded ${path} (${reason})`);
      if (outcome.notes.length > 0) await this.tell(`${path} was reloaded (${reason}):`, outcome.notes);
      return outcome;
    }
    const problems = outcome.ok ? [] : outcome.problems;
    log(`workspace: kept the running workspace; ${path} has ${problems.length} problem(s) (${reason})`);
    await this.tell(
      `${path} was not reloaded (${reason}): the desk keeps running on the workspace it had. ${problems.length} problem(s):`,
      problems,
    );
    return outcome;
  }

  private async tell(heading: string, lines: string[]): Promise<void> {
    try {
      await this.options.tellAdmins(heading, lines);
    } catch (error) {
      this.options.log('workspace: could not tell the admins about a reload', error);
    }
  }
}
