import type { KnownBlock } from '@slack/types';
import type { ShortcutList } from '../src/chats/shortcuts.js';
import type { WaitingChat } from '../src/chats/waiting.js';
import { actionIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain, waited } from './text.js';

const SECTION_TEXT_MAX = 3000;

/** Lines packed into as few sections as fit Slack's 3000 characters each; at most `maxBlocks`, saying what was left out. */
export function linesInSections(lines: readonly string[], maxBlocks = 40): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = '';
  let shown = 0;
  for (const line of lines) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= SECTION_TEXT_MAX) {
      current = next;
      shown += 1;
      continue;
    }
    if (blocks.length + 1 >= maxBlocks) break;
    blocks.push({ type: 'section', text: mrkdwn(current) });
    current = clip(line, SECTION_TEXT_MAX);
    shown += 1;
  }
  if (current) blocks.push({ type: 'section', text: mrkdwn(current) });
  if (shown < lines.length) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${lines.length - shown} more not shown here.`)] });
  return blocks;
}

/** `/ticket shortcut list`: the agent's own first, then the shared ones (marked where one of theirs shadows it). */
export function shortcutList(list: ShortcutList): KnownBlock[] {
  const line = (name: string, text: string) => `\`${escapeMrkdwn(list.sigil + name)}\` — ${escapeMrkdwn(clip(text.replace(/\s+/g, ' '), 150))}`;
  return [
    { type: 'section', text: mrkdwn(`*Your shortcuts* (${list.personal.length} of ${list.limit})`) },
    ...(list.personal.length > 0 ? linesInSections(list.personal.map((s) => line(s.name, s.text)), 20) : [{ type: 'context' as const, elements: [mrkdwn('None yet: `/ticket shortcut add NAME TEXT`.')] }]),
    { type: 'section', text: mrkdwn('*Shared shortcuts*') },
    ...(list.shared.length > 0
      ? linesInSections(list.shared.map((s) => `${line(s.name, s.text)}${s.shadowed ? ' _(yours of the same name is used)_' : ''}`), 20)
      : [{ type: 'context' as const, elements: [mrkdwn('The workspace has none.')] }]),
    { type: 'context', elements: [mrkdwn(`Start a chat reply with \`${escapeMrkdwn(list.sigil)}NAME\` to send its text; \`{requester}\` and \`{agent}\` are filled in.`)] },
  ];
}

export interface FollowHeaderData {
  ticketNumber: number;
  requester: string;
  agent: string | null;
  groupName: string;
  subject: string;
  /** Set when the follower stopped following: the header then says so and offers nothing. */
  ended?: string;
}

/** The parent of a follower's mirror thread, in their DM with the bot. */
export function followHeader(data: FollowHeaderData): KnownBlock[] {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `:eyes: *Following chat #${data.ticketNumber}* — ${escapeMrkdwn(clip(data.subject, 150))}\n<@${data.requester}> with ${data.agent ? `<@${data.agent}>` : '_nobody yet_'} in ${escapeMrkdwn(data.groupName)}`,
      ),
    },
  ];
  if (data.ended) {
    blocks.push({ type: 'context', elements: [mrkdwn(data.ended)] });
    return blocks;
  }
  blocks.push({
    type: 'context',
    elements: [mrkdwn('The conversation is copied into this thread as it happens. The requester does not see you; what you write here stays an internal note on the chat.')],
  });
  blocks.push({
    type: 'actions',
    block_id: `follow_${data.ticketNumber}`,
    elements: [{ type: 'button', action_id: actionIds.unfollowChat, text: plain('Unfollow'), value: String(data.ticketNumber) }],
  });
  return blocks;
}

/** The waiting list, for `/ticket chats` and a section of the agent's dashboard: oldest first, each with its Accept. */
export function waitingChatsBlocks(chats: readonly WaitingChat[], now: Date): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`*Chats waiting for an agent* (${chats.length}${chats.length >= 40 ? '+' : ''})`) }];
  if (chats.length === 0) {
    blocks.push({ type: 'context', elements: [mrkdwn('No chat is waiting in your groups.')] });
    return blocks;
  }
  for (const chat of chats.slice(0, 40)) {
    const what =
      chat.kind === 'new'
        ? 'new chat'
        : `transfer from <@${chat.from}>${chat.queued ? ', queued for the next agent who comes online' : ''}`;
    blocks.push({
      type: 'section',
      text: mrkdwn(`*#${chat.ticketNumber}* · ${escapeMrkdwn(chat.groupName)} · waited *${waited(chat.waitingSince, now)}* · ${what}\n${escapeMrkdwn(clip(chat.subject, 150))} — <@${chat.requester}>`),
      accessory:
        chat.kind === 'new'
          ? { type: 'button', action_id: actionIds.acceptChat, text: plain('Accept'), value: String(chat.ticketNumber) }
          : { type: 'button', action_id: actionIds.acceptTransfer, text: plain('Accept'), value: chat.transferId ?? '' },
    });
  }
  return blocks;
}

export interface QueueChoiceData {
  /** The refusal, word for word: "nobody is available in PayOps right now — the chat stays with you". */
  reason: string;
  ticketNumber: number;
  groupId: number;
  groupName: string;
  /** Set once chosen: the message then says what happened and offers nothing. */
  outcome?: string;
}

/** A group transfer found nobody online: queue it for the next agent who comes online, or keep it. */
export function queueChoice(data: QueueChoiceData): KnownBlock[] {
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`${escapeMrkdwn(data.reason)}.`) }];
  if (data.outcome) {
    blocks.push({ type: 'context', elements: [mrkdwn(data.outcome)] });
    return blocks;
  }
  blocks.push({
    type: 'actions',
    block_id: `queue_choice_${data.ticketNumber}`,
    elements: [
      { type: 'button', action_id: actionIds.queueTransfer, text: plain('Queue it for the next agent who comes online', 75), value: `${data.ticketNumber}:${data.groupId}`, style: 'primary' },
      { type: 'button', action_id: actionIds.keepChat, text: plain('Keep it'), value: String(data.ticketNumber) },
    ],
  });
  blocks.push({ type: 'context', elements: [mrkdwn(`Queued, the chat stays with you until an agent of ${escapeMrkdwn(data.groupName)} comes online and accepts it. It is never ended.`)] });
  return blocks;
}
