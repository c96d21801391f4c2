import type { WebClient } from '@slack/web-api';
import { escapeMrkdwn } from '../../blocks/text.js';
import { faultMessage, type Log } from '../log.js';
import { ChannelUnavailable, type DeliverySenders, sendWhatChannelRefused } from '../tickets/deliveries.js';
import type { Desk } from '../tickets/desk.js';
import {
  CHANNEL_REFUSALS,
  ChannelChecks,
  type ChannelState,
  channelAdvice,
  workspaceChannelUses,
} from '../workspace/channel-check.js';

/** Slack's error code of a failed Web API call, if it was one. */
export function slackErrorOf(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === 'string' ? code : undefined;
}

/** Runs a call that posts (or updates) in `channel`; a refusal for the channel itself becomes ChannelUnavailable. */
export async function inChannel<T>(channel: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const code = slackErrorOf(error);
    if (code !== undefined && code in CHANNEL_REFUSALS) throw new ChannelUnavailable(channel, code);
    throw error;
  }
}

/** How long "the admins were told of this channel" is remembered: a problem that lasts a week is told again. */
const TOLD_FOR_MS = 7 * 24 * 60 * 60_000;

/**
 * The channels of the workspace file, checked as Slack sees them (conversations.info: is_member,
 * is_archived) at start and again when asked (an admin's "Check again", the bot invited somewhere), and
 * marked when a post is refused. A channel found ready again gets what it refused meanwhile.
 */
export class ChannelWatch {
  readonly checks: ChannelChecks;
  /** The delivery queue's senders, given once the outbox exists: what a fixed channel sends again. */
  senders: DeliverySenders = {};

  constructor(
    private readonly desk: Desk,
    private readonly client: WebClient,
    private readonly log: Log,
  ) {
    this.checks = desk.channels ?? new ChannelChecks();
    desk.channels = this.checks;
  }

  /** Every channel of the workspace file; said plainly in the log, one line per channel that needs a person. */
  async checkAll(): Promise<ChannelState[]> {
    const uses = workspaceChannelUses(this.desk.directory.workspace);
    const states = await Promise.all([...uses].map(([channel, use]) => this.check(channel, use)));
    const problems = states.filter((state) => state.problem !== null);
    if (problems.length === 0)
      this.log(
        `slack: all ${states.length} channels of the workspace file are ready: deskbolt is a member of each, none archived`,
      );
    for (const state of problems) this.log(`slack: ${channelAdvice(state)}`);
    return states;
  }

  usesOf(channel: string): string[] {
    return workspaceChannelUses(this.desk.directory.workspace).get(channel) ?? [];
  }

  /** One channel, now; when it is ready, what it refused before goes out. */
  async check(
    channel: string,
    uses = workspaceChannelUses(this.desk.directory.workspace).get(channel) ?? [],
  ): Promise<ChannelState> {
    const checkedAt = this.desk.clock();
    let state: ChannelState;
    try {
      const { channel: info } = await this.client.conversations.info({ channel });
      const problem = info?.is_archived ? 'archived' : info?.is_member ? null : 'not_in_channel';
      state = { channel, name: info?.name ?? null, uses, problem, checkedAt };
    } catch (error) {
      const code = slackErrorOf(error);
      state =
        code === 'channel_not_found'
          ? { channel, name: null, uses, problem: 'not_found', checkedAt }
          : { channel, name: null, uses, problem: 'unchecked', detail: code ?? faultMessage(error), checkedAt };
    }
    const before = this.checks.get(channel);
    this.checks.record({ ...state, name: state.name ?? before?.name ?? null });
    if (state.problem === null) {
      await this.desk.store.seen.forget(toldId(channel));
      const sent = await sendWhatChannelRefused(this.desk, channel, this.senders);
      if (sent > 0) this.log(`slack: ${channel} is ready again: sent the ${sent} message(s) it had refused`);
    }
    return this.checks.get(channel)!;
  }

  /** A post was refused for its channel: marked, and the admins told by DM — once per channel, not per message. */
  async refused(refusal: ChannelUnavailable): Promise<void> {
    const uses = workspaceChannelUses(this.desk.directory.workspace).get(refusal.channel) ?? [];
    const before = this.checks.get(refusal.channel);
    const state: ChannelState = {
      channel: refusal.channel,
      name: before?.name ?? null,
      uses,
      problem: CHANNEL_REFUSALS[refusal.slackError] ?? 'not_found',
      checkedAt: this.desk.clock(),
    };
    this.checks.record(state);
    if (!(await this.desk.store.seen.firstTime(toldId(refusal.channel), this.desk.clock(), TOLD_FOR_MS))) return;
    const admins = this.desk.directory.workspace.agents
      .filter((agent) => agent.role === 'admin')
      .map((agent) => agent.user);
    this.log(`slack: a message was refused: ${channelAdvice(state)}`);
    const text = `:warning: deskbolt could not post in <#${refusal.channel}> (${escapeMrkdwn(uses.join(' and ')) || 'a channel it posts in'}): Slack says \`${refusal.slackError}\`. ${FIX[state.problem ?? 'not_found']} What it could not post is kept and goes out once the channel is fixed: press *Check channels again* on my Home tab.`;
    for (const admin of admins) {
      try {
        await this.client.chat.postMessage({ channel: admin, text });
      } catch (error) {
        this.log(`slack: telling ${admin} of a refused channel failed: ${faultMessage(error)}`, error);
      }
    }
  }
}

const FIX: Record<NonNullable<ChannelState['problem']>, string> = {
  not_in_channel: 'Invite me there with `/invite @deskbolt`.',
  archived: 'It is archived: unarchive it, or name another channel in the workspace file.',
  not_found: 'The id is wrong, or it is a private channel I was never invited to: invite me with `/invite @deskbolt`.',
  unchecked: 'Check that the channel exists and that I am in it.',
};

function toldId(channel: string): string {
  return `channel-refused:${channel}`;
}
