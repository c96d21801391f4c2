import type { Workspace } from './schema.js';

/**
 * Whether deskbolt can post in each channel of the workspace file, as Slack last said: a team that
 * forgets to invite the bot to one channel would otherwise see nothing there, and nobody would know why.
 * Plain data: the Slack side fills it (at start, on a re-check, when a post is refused), and the log,
 * /readyz and admins' App Home read it.
 */
export type ChannelProblem = 'not_in_channel' | 'archived' | 'not_found' | 'unchecked';

export interface ChannelState {
  channel: string;
  /** The channel's name as Slack gave it; null when Slack would not say (not found, not checked). */
  name: string | null;
  /** What the workspace file uses it for, in the team's words: "the alert channel of Billing". */
  uses: string[];
  problem: ChannelProblem | null;
  /** Why it could not be checked (a Slack error such as missing_scope). */
  detail?: string;
  checkedAt: Date;
}

/** The Slack answers to a post that mean the channel, not the message, is the trouble. */
export const CHANNEL_REFUSALS: Readonly<Record<string, ChannelProblem>> = {
  not_in_channel: 'not_in_channel',
  is_archived: 'archived',
  channel_not_found: 'not_found',
};

export class ChannelChecks {
  private readonly states = new Map<string, ChannelState>();

  record(state: ChannelState): void {
    this.states.set(state.channel, state);
  }

  get(channel: string): ChannelState | undefined {
    return this.states.get(channel);
  }

  all(): ChannelState[] {
    return [...this.states.values()];
  }

  problems(): ChannelState[] {
    return this.all().filter((state) => state.problem !== null);
  }
}

/** Every channel the workspace file names, with what each is for. */
export function workspaceChannelUses(workspace: Workspace): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  const add = (channel: string, use: string) => uses.set(channel, [...(uses.get(channel) ?? []), use]);
  for (const group of workspace.groups) {
    add(group.alertChannel, `the alert channel of ${group.name}`);
    if (group.queueChannel) add(group.queueChannel, `the queue channel of ${group.name}`);
    for (const intake of group.intakeChannels) add(intake, `an intake channel of ${group.name}`);
  }
  return uses;
}

/** What is wrong and what to do, in plain words for the log and /readyz (no mrkdwn). */
export function channelAdvice(state: ChannelState): string {
  const where = `${state.name ? `#${state.name} ` : ''}(${state.channel}), ${state.uses.join(' and ') || 'a channel deskbolt posts in'}`;
  switch (state.problem) {
    case 'not_in_channel':
      return `deskbolt is not a member of ${where}: invite it there with /invite @deskbolt`;
    case 'archived':
      return `${where} is archived: unarchive it, or name another channel in the workspace file`;
    case 'not_found':
      return `deskbolt cannot see ${where}: the id is wrong, or it is a private channel deskbolt was never invited to (invite it with /invite @deskbolt)`;
    case 'unchecked':
      return `${where} could not be checked (${state.detail ?? 'no answer from Slack'})`;
    case null:
      return `${where} is ready`;
  }
}
