import { type DeskOverlay, EMPTY_OVERLAY, withOverlay } from './desk-overlay.js';
import { type Agent, type Group, takesChats, type Workspace } from './schema.js';

/** One workspace and its lookups, built together so a reader never sees one without the other. */
interface Snapshot {
  /** The file's workspace with what admins manage from Slack beside it (desk-overlay.ts). */
  readonly workspace: Workspace;
  readonly file: Workspace;
  readonly overlay: DeskOverlay;
  readonly agentsByUser: Map<string, Agent>;
  readonly groupsById: Map<number, Group>;
}

function snapshotOf(file: Workspace, overlay: DeskOverlay = EMPTY_OVERLAY): Snapshot {
  const workspace = withOverlay(file, overlay);
  return {
    workspace,
    file,
    overlay,
    agentsByUser: new Map(workspace.agents.map((agent) => [agent.user, agent])),
    groupsById: new Map(workspace.groups.map((group) => [group.id, group])),
  };
}

/**
 * Who is who in the workspace file, looked up by Slack id or group id. A reload swaps the whole
 * snapshot in one assignment: every lookup reads the old workspace or the new one, never a mix.
 */
export class Directory {
  private current: Snapshot;

  constructor(workspace: Workspace) {
    this.current = snapshotOf(workspace);
  }

  get workspace(): Workspace {
    return this.current.workspace;
  }

  /** The workspace file from now on; checked already (see workspace/reload.ts). The overlay stays. */
  replace(workspace: Workspace): void {
    this.current = snapshotOf(workspace, this.current.overlay);
  }

  /** The workspace file alone, without what admins manage from Slack. */
  get fileWorkspace(): Workspace {
    return this.current.file;
  }

  get overlay(): DeskOverlay {
    return this.current.overlay;
  }

  /** What admins manage from Slack, as the database holds it now (tickets/desk-admin.ts). */
  replaceOverlay(overlay: DeskOverlay): void {
    this.current = snapshotOf(this.current.file, overlay);
  }

  private get agentsByUser(): Map<string, Agent> {
    return this.current.agentsByUser;
  }

  private get groupsById(): Map<number, Group> {
    return this.current.groupsById;
  }

  agent(userId: string): Agent | undefined {
    return this.agentsByUser.get(userId);
  }

  group(id: number): Group | undefined {
    return this.groupsById.get(id);
  }

  groups(): readonly Group[] {
    return this.workspace.groups;
  }

  groupName(id: number): string {
    return this.groupsById.get(id)?.name ?? `group ${id}`;
  }

  /** By numeric id, or by name ignoring case: what a person types after `/ticket queue`. */
  findGroup(nameOrId: string): Group | undefined {
    const wanted = nameOrId.trim().toLowerCase();
    if (/^\d+$/.test(wanted)) return this.groupsById.get(Number(wanted));
    return this.workspace.groups.find((group) => group.name.toLowerCase() === wanted);
  }

  agentsOf(groupId: number): Agent[] {
    return this.workspace.agents.filter((agent) => agent.groups.includes(groupId));
  }

  /** Whether this agent takes live chats (the workspace file's `chats`, true unless it says otherwise). */
  takesChats(userId: string): boolean {
    const agent = this.agent(userId);
    return agent !== undefined && takesChats(agent);
  }

  isLeadOf(userId: string, groupId: number): boolean {
    const agent = this.agent(userId);
    return agent?.groups.includes(groupId) === true && (agent.role === 'lead' || agent.role === 'admin');
  }

  /** The group whose intake channel this is, if any. */
  groupOfIntakeChannel(channelId: string): Group | undefined {
    return this.workspace.groups.find((group) => group.intakeChannels.includes(channelId));
  }
}
