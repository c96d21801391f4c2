import { DEFAULT_CHANNEL } from '../fake-slack/requests.js';
import type { Workspace } from '../workspace/schema.js';

/** Someone the sandbox lets you be: the workspace file's agents, leads and admins, and a few requesters. */
export interface SandboxPerson {
  id: string;
  name: string;
  /** Their Slack handle, for the fake's users.info. */
  handle: string;
  role: 'agent' | 'lead' | 'admin' | 'requester';
  /** What the picker says about them: "Agent · Billing", "Customer". */
  title: string;
  /** Set for a requester who writes by email: their address (they have no Slack account). */
  email?: string;
}

/** A channel of the sandbox workspace; `members` is who sees it, and the app hears messages only where it is a member. */
export interface SandboxChannel {
  id: string;
  name: string;
  purpose: string;
  members: 'everyone' | readonly string[];
  appIsMember: boolean;
}

export interface SandboxRoster {
  workspaceName: string;
  people: readonly SandboxPerson[];
  channels: readonly SandboxChannel[];
}

/** People who are not in the workspace file: the customers and colleagues who ask for help. */
export const REQUESTERS: readonly SandboxPerson[] = [
  { id: 'U0CARLA001', name: 'Carla', handle: 'carla', role: 'requester', title: 'Customer' },
  { id: 'U0DANA0001', name: 'Dana', handle: 'dana', role: 'requester', title: 'Customer' },
  { id: 'U0DEV00001', name: 'Dev', handle: 'dev', role: 'requester', title: 'Engineer, not on the support team' },
  { id: 'U0VISIT001', name: 'Vic', handle: 'vic', role: 'requester', title: 'Visitor' },
  // Not a Slack user: the id only names her in the page; she writes to the support mailbox.
  {
    id: 'U0ERIN0001',
    name: 'Erin',
    handle: 'erin',
    role: 'requester',
    title: 'Customer, by email',
    email: 'erin@customer.example',
  },
];

/** Where anyone may talk; the app is not a member, so it hears nothing here (as in Slack until invited). */
export const GENERAL_CHANNEL = DEFAULT_CHANNEL;

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'group';

/**
 * The sandbox's Slack workspace, read from the workspace file: each group's alert, queue and intake
 * channels (the app is invited to all of them, as README's setup says), #general, and the people.
 * An alert or queue channel is seen by the group's agents and the admins; intake channels by everyone.
 */
export function sandboxRoster(workspace: Workspace): SandboxRoster {
  const agents: SandboxPerson[] = workspace.agents.map((agent) => {
    const groups = agent.groups
      .map((id) => workspace.groups.find((group) => group.id === id)?.name ?? String(id))
      .join(', ');
    const role = agent.role === 'admin' ? 'Admin' : agent.role === 'lead' ? 'Team lead' : 'Agent';
    return {
      id: agent.user,
      name: agent.name,
      handle: slug(agent.name),
      role: agent.role,
      title: `${role} · ${groups}`,
    };
  });
  const agentIds = new Set(agents.map((agent) => agent.id));
  const people = [...agents, ...REQUESTERS.filter((person) => !agentIds.has(person.id))];

  const channels = new Map<string, SandboxChannel>();
  const teamOf = (groupId: number) =>
    workspace.agents
      .filter((agent) => agent.groups.includes(groupId) || agent.role === 'admin')
      .map((agent) => agent.user);
  const addChannel = (channel: SandboxChannel) => {
    const existing = channels.get(channel.id);
    if (existing === undefined) {
      channels.set(channel.id, channel);
      return;
    }
    // One channel serving two groups (or as alert and intake at once): whoever sees it for either sees it.
    const members =
      existing.members === 'everyone' || channel.members === 'everyone'
        ? 'everyone'
        : [...new Set([...existing.members, ...channel.members])];
    channels.set(channel.id, { ...existing, members, purpose: `${existing.purpose}; ${channel.purpose}` });
  };
  for (const group of workspace.groups) {
    const name = slug(group.name);
    const team = teamOf(group.id);
    addChannel({
      id: group.alertChannel,
      name: `${name}-alerts`,
      purpose: `New tickets and escalations of ${group.name}`,
      members: team,
      appIsMember: true,
    });
    if (group.queueChannel !== undefined) {
      addChannel({
        id: group.queueChannel,
        name: `${name}-queue`,
        purpose: `Incoming chats of ${group.name}`,
        members: team,
        appIsMember: true,
      });
    }
    group.intakeChannels.forEach((id, index) => {
      const suffix = index === 0 ? '' : `-${index + 1}`;
      addChannel({
        id,
        name: `${name}-help${suffix}`,
        purpose: `Ask ${group.name} for help: a message here starts a chat`,
        members: 'everyone',
        appIsMember: true,
      });
    });
  }
  if (!channels.has(GENERAL_CHANNEL)) {
    addChannel({
      id: GENERAL_CHANNEL,
      name: 'general',
      purpose: 'Everyone; deskbolt is not a member',
      members: 'everyone',
      appIsMember: false,
    });
  }
  return { workspaceName: workspace.name, people, channels: [...channels.values()] };
}

export function canSee(channel: SandboxChannel, user: string): boolean {
  return channel.members === 'everyone' || channel.members.includes(user);
}
