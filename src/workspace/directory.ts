import { takesChats, type Agent, type Group, type Workspace } from './schema.js';

/** Who is who in the workspace file, looked up by Slack id or group id. */
export class Directory {
  private readonly agentsByUser: Map<string, Agent>;
  private readonly groupsById: Map<number, Group>;

  constructor(readonly workspace: Workspace) {
    this.agentsByUser = new Map(workspace.agents.map((agent) => [agent.user, agent]));
    this.groupsById = new Map(workspace.groups.map((group) => [group.id, group]));
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
