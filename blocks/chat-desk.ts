import type { KnownBlock, ModalView } from '@slack/types';
import type { RequesterHistory } from '../src/chats/profile.js';
import type { ShortcutList } from '../src/chats/shortcuts.js';
import type { WaitingChat } from '../src/chats/waiting.js';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds, callbackIds, chatEmailFields } from './ids.js';
import { clip, emailLink, escapeMrkdwn, mrkdwn, plain, STATUS_BADGE, waited } from './text.js';

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
  if (shown < lines.length)
    blocks.push({ type: 'context', elements: [mrkdwn(`…and ${lines.length - shown} more not shown here.`)] });
  return blocks;
}

/** `/ticket shortcut list`: the agent's own first, then the shared ones (marked where one of theirs shadows it). */
export function shortcutList(list: ShortcutList): KnownBlock[] {
  const line = (name: string, text: string) =>
    `\`${escapeMrkdwn(list.sigil + name)}\` — ${escapeMrkdwn(clip(text.replace(/\s+/g, ' '), 150))}`;
  return [
    { type: 'section', text: mrkdwn(`*Your shortcuts* (${list.personal.length} of ${list.limit})`) },
    ...(list.personal.length > 0
      ? linesInSections(
          list.personal.map((s) => line(s.name, s.text)),
          20,
        )
      : [{ type: 'context' as const, elements: [mrkdwn('None yet: `/ticket shortcut add NAME TEXT`.')] }]),
    { type: 'section', text: mrkdwn('*Shared shortcuts*') },
    ...(list.shared.length > 0
      ? linesInSections(
          list.shared.map((s) => `${line(s.name, s.text)}${s.shadowed ? ' _(yours of the same name is used)_' : ''}`),
          20,
        )
      : [{ type: 'context' as const, elements: [mrkdwn('The workspace has none.')] }]),
    {
      type: 'context',
      elements: [
        mrkdwn(
          `Start a chat reply with \`${escapeMrkdwn(list.sigil)}NAME\` to send its text; \`{requester}\` and \`{agent}\` are filled in.`,
        ),
      ],
    },
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
    elements: [
      mrkdwn(
        'The conversation is copied into this thread as it happens. The requester does not see you; what you write here stays an internal note on the chat.',
      ),
    ],
  });
  blocks.push({
    type: 'actions',
    block_id: `follow_${data.ticketNumber}`,
    elements: [
      { type: 'button', action_id: actionIds.unfollowChat, text: plain('Unfollow'), value: String(data.ticketNumber) },
    ],
  });
  return blocks;
}

/**
 * The waiting list, for `/ticket chats` and a section of the agent's dashboard: oldest first, each with its
 * Accept. At most `max` chats, so the section is at most max + 2 blocks (a Home shares its 100 with others).
 */
export function waitingChatsBlocks(chats: readonly WaitingChat[], now: Date, max = 40): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*Chats waiting for an agent* (${chats.length}${chats.length >= 40 ? '+' : ''})`) },
  ];
  if (chats.length === 0) {
    blocks.push({ type: 'context', elements: [mrkdwn('No chat is waiting in your groups.')] });
    return blocks;
  }
  for (const chat of chats.slice(0, max)) {
    const what =
      chat.kind === 'new'
        ? 'new chat'
        : `transfer from <@${chat.from}>${chat.queued ? ', queued for the next agent who comes online' : ''}`;
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*#${chat.ticketNumber}* · ${escapeMrkdwn(chat.groupName)} · waited *${waited(chat.waitingSince, now)}* · ${what}\n${escapeMrkdwn(clip(chat.subject, 150))} — <@${chat.requester}>`,
      ),
      accessory:
        chat.kind === 'new'
          ? { type: 'button', action_id: actionIds.acceptChat, text: plain('Accept'), value: String(chat.ticketNumber) }
          : {
              type: 'button',
              action_id: actionIds.acceptTransfer,
              text: plain('Accept'),
              value: chat.transferId ?? '',
            },
    });
  }
  if (chats.length > max)
    blocks.push({
      type: 'context',
      elements: [mrkdwn(`…and ${chats.length - max} more: \`/ticket chats\` lists them.`)],
    });
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
      {
        type: 'button',
        action_id: actionIds.queueTransfer,
        text: plain('Queue it for the next agent who comes online', 75),
        value: `${data.ticketNumber}:${data.groupId}`,
        style: 'primary',
      },
      { type: 'button', action_id: actionIds.keepChat, text: plain('Keep it'), value: String(data.ticketNumber) },
    ],
  });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        `Queued, the chat stays with you until an agent of ${escapeMrkdwn(data.groupName)} comes online and accepts it. It is never ended.`,
      ),
    ],
  });
  return blocks;
}

/**
 * An email to the requester during a chat; the chat goes on. `again` reopens the form after a refusal:
 * the reason above it, the words written still in it.
 */
export function chatEmailModal(ticketNumber: number, again?: { text: string; reason: string }): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.chatEmail,
    title: plain(`Email · chat #${ticketNumber}`, 24),
    submit: plain('Send email', 24),
    close: plain('Cancel', 24),
    private_metadata: String(ticketNumber),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          'Sent by email to the requester (their address on the ticket, or the one their Slack profile shares). The chat goes on; this counts as a public reply.',
        ),
      },
      ...(again
        ? [{ type: 'context' as const, elements: [mrkdwn(`:warning: Not sent: ${clip(again.reason, 2900)}`)] }]
        : []),
      {
        type: 'input',
        block_id: chatEmailFields.text,
        label: plain('Email'),
        element: {
          type: 'plain_text_input',
          action_id: chatEmailFields.text,
          multiline: true,
          max_length: 3000,
          ...(again?.text ? { initial_value: clip(again.text, 3000) } : {}),
        },
      },
    ],
  };
}

/** While the requester's address is looked up in Slack and the email goes out. */
export function chatEmailSending(ticketNumber: number): ModalView {
  return chatEmailSaying(ticketNumber, ':hourglass_flowing_sand: Sending the email…');
}

export function chatEmailSent(ticketNumber: number, to: string): ModalView {
  return chatEmailSaying(
    ticketNumber,
    `:email: Emailed the requester of chat #${ticketNumber} (${emailLink(to)}); the chat goes on.`,
  );
}

/** The chat-email modal once it has nothing left to ask: one line of where the email is. */
function chatEmailSaying(ticketNumber: number, line: string): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.chatEmail,
    title: plain(`Email · chat #${ticketNumber}`, 24),
    close: plain('Close', 24),
    private_metadata: String(ticketNumber),
    blocks: [{ type: 'section', text: mrkdwn(line) }],
  };
}

/** What Slack says of the requester (users.info); null when it does not know them or would not say. */
export interface SlackFacts {
  name: string;
  title: string | null;
  timeZone: string | null;
  email: string | null;
  phone?: string | null;
}

function localTime(timeZone: string, now: Date): string {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit' }).format(now);
  } catch {
    return '';
  }
}

/** The requester panel: what Slack knows and what deskbolt knows, with the email requester's original a click away. */
export function requesterProfileModal(history: RequesterHistory, slack: SlackFacts | null, now: Date): ModalView {
  const requester = history.requester;
  const who =
    requester.kind === 'slack'
      ? `<@${requester.userId}>`
      : `${escapeMrkdwn(requester.name)} (${emailLink(requester.email)})`;
  const blocks: KnownBlock[] = [{ type: 'section', text: mrkdwn(`*Requester of #${history.ticket.number}:* ${who}`) }];
  const phone = slack?.phone ?? (requester.kind === 'email' ? requester.phone : null);
  if (slack) {
    const email = slack.email ?? (requester.kind === 'email' ? requester.email : null);
    const zone = slack.timeZone
      ? `${escapeMrkdwn(slack.timeZone)}${localTime(slack.timeZone, now) ? ` (now ${localTime(slack.timeZone, now)})` : ''}`
      : '—';
    blocks.push({
      type: 'section',
      fields: [
        mrkdwn(`*Name*\n${escapeMrkdwn(clip(slack.name, 200))}`),
        mrkdwn(`*Title*\n${escapeMrkdwn(clip(slack.title ?? '—', 200))}`),
        mrkdwn(`*Email*\n${email ? emailLink(email) : '— (not shared)'}`),
        mrkdwn(`*Time zone*\n${zone}`),
        // Just below the email (the fields run in two columns), where the support team looks for it.
        mrkdwn(`*Phone*\n${phone ? escapeMrkdwn(clip(phone, 60)) : '— (not given)'}`),
      ],
    });
  } else {
    if (requester.kind === 'email')
      blocks.push({
        type: 'section',
        fields: [
          mrkdwn(`*Email*\n${emailLink(requester.email)}`),
          mrkdwn(`*Phone*\n${phone ? escapeMrkdwn(clip(phone, 60)) : '— (not given)'}`),
        ],
      });
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          requester.kind === 'email'
            ? 'An email requester: Slack knows nothing of them.'
            : 'Slack would not describe this person right now.',
        ),
      ],
    });
  }
  blocks.push({ type: 'divider' });
  const tickets = history.tickets.map(
    (t) =>
      `#${t.number} · ${STATUS_BADGE[t.status]} · ${escapeMrkdwn(clip(t.subject, 80))} · ${waited(t.createdAt, now)} ago`,
  );
  blocks.push({
    type: 'section',
    text: mrkdwn(`*Tickets* (latest ${history.tickets.length})\n${tickets.join('\n') || '_none_'}`),
  });
  const chats = history.chats.map(
    (c) =>
      `#${c.ticketNumber} · ${c.state} · started ${waited(c.startedAt, now)} ago${c.agent ? ` · with <@${c.agent}>` : ''}`,
  );
  blocks.push({ type: 'section', text: mrkdwn(`*Last chats*\n${chats.join('\n') || '_none_'}`) });
  const ratings = history.ratings.map(
    (r) => `#${r.ticketNumber} · *${escapeMrkdwn(r.rating)}* · ${waited(r.at, now)} ago`,
  );
  blocks.push({ type: 'section', text: mrkdwn(`*Satisfaction answers*\n${ratings.join('\n') || '_none yet_'}`) });
  if (history.hasOriginal) {
    blocks.push({
      type: 'actions',
      block_id: `original_${history.ticket.number}`,
      elements: [
        {
          type: 'button',
          action_id: actionIds.viewOriginal,
          text: plain('View original'),
          value: `${history.ticket.number}:0`,
        },
      ],
    });
  }
  return {
    type: 'modal',
    callback_id: callbackIds.requesterProfile,
    title: plain('Requester', 24),
    close: plain('Close', 24),
    private_metadata: String(history.ticket.number),
    blocks,
  };
}

/**
 * Text split into pieces of at most `max` characters that join back to exactly the text: a piece ends at
 * a line break or a space when there is one in its second half, so words are not split needlessly.
 */
export function piecesOf(text: string, max = SECTION_TEXT_MAX): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const breakAt = Math.max(window.lastIndexOf('\n'), window.lastIndexOf(' '));
    const end = breakAt >= max / 2 ? breakAt + 1 : max;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/** Sections per page of "View original": a modal holds 100 blocks, and each page keeps two for its header and paging. */
export const ORIGINAL_SECTIONS_PER_PAGE = 95;

/** The message as it came into a mailbox: its headers and whole text (quoted history included). */
export interface OriginalEmail {
  headers: { from: string; to: string; cc: string; date: string; subject: string };
  text: string;
  attachments: { name: string; size: number; type: string }[];
}

/**
 * An email requester's full original message, never cut: plain-text sections of ≤3000 characters, paged
 * past 95 of them. A ticket read from a mailbox shows the message's headers and whole text first.
 */
export function originalMessageModal(ticket: Ticket, page = 0, email: OriginalEmail | null = null): ModalView {
  const pieces = piecesOf(email ? originalEmailText(email) : ticket.description);
  const pages = Math.max(1, Math.ceil(pieces.length / ORIGINAL_SECTIONS_PER_PAGE));
  const current = Math.min(Math.max(0, page), pages - 1);
  const shown = pieces.slice(current * ORIGINAL_SECTIONS_PER_PAGE, (current + 1) * ORIGINAL_SECTIONS_PER_PAGE);
  const from =
    ticket.requester.kind === 'email'
      ? `${escapeMrkdwn(ticket.requester.name)} (${emailLink(ticket.requester.email)})`
      : 'the requester';
  const blocks: KnownBlock[] = [
    {
      type: 'context',
      elements: [
        mrkdwn(
          `From ${from} · ${(email ? email.text : ticket.description).length} characters${pages > 1 ? ` · page ${current + 1} of ${pages}` : ''}`,
        ),
      ],
    },
    // plain_text: the words exactly as written, with no markup to escape (escaping would lengthen them past the limit).
    ...shown.map((piece): KnownBlock => ({ type: 'section', text: { type: 'plain_text', text: piece, emoji: false } })),
  ];
  if (pages > 1) {
    blocks.push({
      type: 'actions',
      block_id: 'original_pages',
      elements: [
        ...(current > 0
          ? [
              {
                type: 'button' as const,
                action_id: actionIds.viewOriginalBack,
                text: plain('Previous page'),
                value: `${ticket.number}:${current - 1}`,
              },
            ]
          : []),
        ...(current < pages - 1
          ? [
              {
                type: 'button' as const,
                action_id: actionIds.viewOriginal,
                text: plain('Next page'),
                value: `${ticket.number}:${current + 1}`,
              },
            ]
          : []),
      ],
    });
  }
  return {
    type: 'modal',
    callback_id: callbackIds.originalMessage,
    title: plain(`Original · #${ticket.number}`, 24),
    close: plain('Close', 24),
    private_metadata: String(ticket.number),
    blocks,
  };
}

function originalEmailText(email: OriginalEmail): string {
  const { headers } = email;
  const lines = [
    `From: ${headers.from}`,
    `To: ${headers.to}`,
    ...(headers.cc ? [`Cc: ${headers.cc}`] : []),
    `Date: ${headers.date}`,
    `Subject: ${headers.subject}`,
  ];
  if (email.attachments.length > 0)
    lines.push(
      `Attachments: ${email.attachments.map((file) => `${file.name} (${file.type}, ${file.size} bytes)`).join(', ')}`,
    );
  return `${lines.join('\n')}\n\n${email.text || '(no text)'}`;
}
