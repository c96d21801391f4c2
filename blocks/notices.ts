import type { KnownBlock } from '@slack/types';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

/**
 * What the notifiers say, as text and blocks. Everything a person typed (a subject, a chat line, a
 * note, a file name, a requester's name) is escaped here, once, on its way into mrkdwn — in the
 * `text` fallback as much as in the blocks — so it can never ping a channel or a person. A message
 * is `{ text, blocks? }`: Slack shows `text` in notifications and where blocks cannot be shown.
 */
export interface Notice {
  text: string;
  blocks?: KnownBlock[];
}

const subject = (ticket: Pick<Ticket, 'subject'>, max = 150) => escapeMrkdwn(clip(ticket.subject, max));

/** The requester as mrkdwn: a mention for a Slack requester (a real person the team should see), the escaped name otherwise. */
export function requesterMention(ticket: Pick<Ticket, 'requester'>): string {
  return ticket.requester.kind === 'slack' ? `<@${ticket.requester.userId}>` : escapeMrkdwn(ticket.requester.name);
}

// ── The group's alert channel ──────────────────────────────────────────────────────────────────

export function newTicketAlert(ticket: Ticket, groupName: string, takenBy: string | null): Notice {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*New ticket #${ticket.number}* in ${escapeMrkdwn(groupName)} · ${ticket.priority}\n*${subject(ticket)}*\nfrom ${requesterMention(ticket)}`,
      ),
    },
  ];
  if (takenBy) {
    blocks.push({ type: 'context', elements: [mrkdwn(`Taken by <@${takenBy}>`)] });
  } else {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: actionIds.take,
          text: plain('Take it'),
          value: String(ticket.number),
          style: 'primary',
        },
      ],
    });
  }
  const text = takenBy
    ? `#${ticket.number} taken by <@${takenBy}>`
    : `New ticket #${ticket.number}: ${subject(ticket)}`;
  return { text, blocks };
}

export function escalationAlertText(ticket: Ticket, toName: string): string {
  return `Escalated #${ticket.number} to ${escapeMrkdwn(toName)}: ${subject(ticket)}`;
}

/** To the assignee: the requester of a ticket they have wrote again (by email, the web, or Slack). */
export function requesterWroteAgain(ticket: Ticket, reopenedFrom: string | null): Notice {
  const what = reopenedFrom
    ? `wrote again on #${ticket.number}, so it is open again (it was ${reopenedFrom})`
    : `wrote again on #${ticket.number}`;
  return { text: `${requesterMention(ticket)} ${what}: “${subject(ticket)}”. \`/ticket show ${ticket.number}\`` };
}

// ── The requester and the filer ────────────────────────────────────────────────────────────────

const fromMessage = (ticket: Ticket) =>
  ticket.source.permalink ? ` (from <${ticket.source.permalink}|this message>)` : '';

export function filerReceipt(ticket: Ticket): Notice {
  return { text: `Created #${ticket.number}: ${subject(ticket)}${fromMessage(ticket)}` };
}

/** The requester's receipt: its thread is where the team answers and where they write back. */
export function requesterReceipt(ticket: Ticket): Notice {
  return {
    text: `We received your request #${ticket.number}: “${subject(ticket)}”${fromMessage(ticket)}. The support team will answer you in this thread; reply here to add anything.`,
  };
}

export function takenNotice(ticket: Ticket, agent: string): Notice {
  return { text: `<@${agent}> is now working on your request #${ticket.number}.` };
}

// ── Chats ──────────────────────────────────────────────────────────────────────────────────────

/** The requester's words in the agent's thread (or a follower's copy). */
export function requesterLine(text: string): string {
  return `:bust_in_silhouette: *Requester:* ${escapeMrkdwn(text)}`;
}

/** An agent's words as the requester (or a follower) reads them: formatting kept, links and mentions never live. */
export function agentLine(agentName: string, text: string): string {
  return `*${escapeMrkdwn(agentName)}:* ${escapeMrkdwn(text)}`;
}

export function fileLine(fileName: string, link: string): string {
  // Slack's link syntax has no escape for `|` or `>` in a label: they are dropped from the name shown.
  const label = escapeMrkdwn(fileName.replace(/[|<>]/g, ''));
  return `shared a file: <${link}|${label || 'file'}>`;
}

export function internalNoteLine(author: string, text: string, following: boolean): string {
  return `:lock: *Internal note* by <@${author}> (${following ? 'following; ' : ''}not sent to the requester): ${escapeMrkdwn(text)}`;
}

export function emailedLine(agentName: string, email: string, text: string): string {
  return `:email: *${escapeMrkdwn(agentName)}* emailed the requester (<mailto:${email}|${escapeMrkdwn(email)}>): ${escapeMrkdwn(text)}`;
}

export function chatOpenedReceipt(ticketNumber: number, groupName: string): Notice {
  return {
    text: `Thanks — your chat #${ticketNumber} is open. An agent of ${escapeMrkdwn(groupName)} will answer you here.`,
  };
}

export function incomingChatText(ticketNumber: number, requester: string, online: readonly string[]): string {
  return `Incoming chat #${ticketNumber} from <@${requester}>${online.length > 0 ? ` ${online.map((agent) => `<@${agent}>`).join(' ')}` : ''}`;
}

export function chatAcceptedLine(agent: string, notePrefix: string): string {
  return `<@${agent}> accepted the chat. Replies in this thread reach the requester; start with \`${escapeMrkdwn(notePrefix)}\` for an internal note.`;
}

export function agentJoined(agentName: string, groupName: string, ticketNumber: number): Notice {
  return { text: `${escapeMrkdwn(agentName)} from ${escapeMrkdwn(groupName)} has joined your chat #${ticketNumber}.` };
}

export function chatEndedLine(by: string, ticketNumber: number): string {
  return `<@${by}> ended the chat. Ticket #${ticketNumber} stays open to be solved.`;
}

export function chatEndedForRequester(ticketNumber: number, solved: boolean): Notice {
  return solved
    ? {
        text: `Your request #${ticketNumber} is solved, so this chat has ended. Write here any time if you need anything else.`,
      }
    : {
        text: `The chat #${ticketNumber} has ended. Your request stays open with the team; write here any time to start a new chat.`,
      };
}

export function followerRecap(lines: readonly string[]): string {
  return clip(`_So far:_\n${lines.join('\n')}`, 39_000);
}

// ── Transfers ──────────────────────────────────────────────────────────────────────────────────

export function transferMovedNotice(ticketNumber: number, groupName: string, to: string): Notice {
  return {
    text: `Chat #${ticketNumber} moved to ${escapeMrkdwn(groupName)}`,
    blocks: [
      {
        type: 'section',
        text: mrkdwn(`*Chat #${ticketNumber}* moved to ${escapeMrkdwn(groupName)}, now with <@${to}>.`),
      },
    ],
  };
}

// ── Questions to a requester before anything is filed ─────────────────────────────────────────

/** Which open ticket a new message is about, or something new: asked in the requester's DM. */
export function whichTicketQuestion(key: string, tickets: readonly Pick<Ticket, 'number' | 'subject'>[]): Notice {
  return {
    text: 'Is this about one of your open requests?',
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          'Is this about one of your open requests? Pick it, and your message is added there; or start something new.',
        ),
      },
      {
        type: 'actions',
        block_id: 'which_ticket',
        elements: [
          ...tickets.map((ticket) => ({
            type: 'button' as const,
            action_id: `${actionIds.whichTicket}_${ticket.number}`,
            text: plain(clip(`#${ticket.number} ${ticket.subject}`, 70)),
            value: `${key}|${ticket.number}`,
          })),
          {
            type: 'button' as const,
            action_id: `${actionIds.whichTicket}_new`,
            text: plain('Something new'),
            value: `${key}|new`,
            style: 'primary' as const,
          },
        ],
      },
    ],
  };
}

/** What a new chat is about, when the workspace offers topics: each goes to its group. */
export function topicQuestion(key: string, topics: readonly { label: string }[]): Notice {
  return {
    text: 'What is it about?',
    blocks: [
      { type: 'section', text: mrkdwn('What is it about? Pick one and the right team picks up your chat.') },
      {
        type: 'actions',
        block_id: 'chat_topic',
        elements: topics.map((topic, index) => ({
          type: 'button' as const,
          action_id: `${actionIds.chatTopic}_${index}`,
          text: plain(clip(topic.label, 70)),
          value: `${key}|${index}`,
        })),
      },
    ],
  };
}

export function addedToTicket(ticketNumber: number, reopened: boolean): Notice {
  return { text: `Added to #${ticketNumber}${reopened ? ', which is open again' : ''}. The team sees it there.` };
}
