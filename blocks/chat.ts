import type { Button, KnownBlock, ModalView, PlainTextOption } from '@slack/types';
import type { ChatActivity } from '../src/chats/chat.js';
import type { Availability, Chat, Transfer } from '../src/chats/types.js';
import type { Ticket } from '../src/tickets/types.js';
import { conversationValue } from './conversation.js';
import { actionIds, callbackIds, chatNoteFields, transferFields } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

const ACTIVITY_BADGE: Record<ChatActivity, string> = {
  waiting: ':hourglass_flowing_sand: Waiting for an agent',
  active: ':large_green_circle: Active',
  inactive: ':white_circle: Inactive (still connected)',
  ended: ':checkered_flag: Ended',
};

export const AVAILABILITY_BADGE: Record<Availability, string> = {
  online: ':large_green_circle: online',
  away: ':large_yellow_circle: away',
  offline: ':white_circle: offline',
};

export interface IncomingChatData {
  chat: Chat;
  ticket: Ticket;
  groupName: string;
  firstMessage: string;
  /** The group's online agents, pinged while the chat waits. */
  online: readonly string[];
  activity: ChatActivity;
}

/** The chat's parent message in the queue channel: its thread is where the agent talks to the requester. */
export function incomingChat(data: IncomingChatData): KnownBlock[] {
  const { chat, ticket } = data;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*Incoming chat #${ticket.number}* in ${escapeMrkdwn(data.groupName)} from <@${chat.requester}>\n>${escapeMrkdwn(clip(data.firstMessage, 1500)).replace(/\n/g, '\n>')}`,
      ),
    },
    {
      type: 'context',
      elements: [mrkdwn(`${ACTIVITY_BADGE[data.activity]}${chat.agent ? ` · with <@${chat.agent}>` : ''}`)],
    },
  ];
  if (chat.state === 'waiting') {
    const ping =
      data.online.length > 0
        ? data.online.map((agent) => `<@${agent}>`).join(' ')
        : `Nobody in ${escapeMrkdwn(data.groupName)} is online; the first agent to accept gets it.`;
    blocks.push({ type: 'context', elements: [mrkdwn(ping)] });
    blocks.push({
      type: 'actions',
      block_id: `chat_${ticket.number}`,
      elements: [
        {
          type: 'button',
          action_id: actionIds.acceptChat,
          text: plain('Accept'),
          value: String(ticket.number),
          style: 'primary',
        },
        { type: 'button', action_id: actionIds.followChat, text: plain('Follow'), value: String(ticket.number) },
        {
          type: 'button',
          action_id: actionIds.requesterProfile,
          text: plain('Requester'),
          value: String(ticket.number),
        },
      ],
    });
  } else if (chat.state === 'live') {
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          `Accepted by <@${chat.agent}>. Replies in this thread reach the requester; start one with the note prefix to keep it internal.`,
        ),
      ],
    });
    blocks.push({
      type: 'actions',
      block_id: `chat_${ticket.number}`,
      elements: [
        { type: 'button', action_id: actionIds.transferChat, text: plain('Transfer'), value: String(ticket.number) },
        {
          type: 'button',
          action_id: actionIds.requeueChat,
          text: plain('Back to queue'),
          value: String(ticket.number),
          confirm: {
            title: plain('Put this chat in the queue?', 100),
            text: plain(
              'The requester is told they wait for the next available agent; the first agent of the group who accepts gets it.',
              300,
            ),
            confirm: plain('Back to queue', 30),
            deny: plain('Keep it', 30),
          },
        },
        { type: 'button', action_id: actionIds.followChat, text: plain('Follow'), value: String(ticket.number) },
        {
          type: 'button',
          action_id: actionIds.requesterProfile,
          text: plain('Requester'),
          value: String(ticket.number),
        },
        {
          type: 'button',
          action_id: actionIds.emailDuringChat,
          text: plain('Email reply'),
          value: String(ticket.number),
        },
        {
          type: 'button',
          action_id: actionIds.endChat,
          text: plain('End chat'),
          value: String(ticket.number),
          style: 'danger',
          confirm: {
            title: plain('End this chat?', 100),
            text: plain('The requester is told the chat has ended. The ticket stays open to be solved.', 300),
            confirm: plain('End chat', 30),
            deny: plain('Keep chatting', 30),
            style: 'danger',
          },
        },
        {
          type: 'button',
          action_id: actionIds.endAndSolve,
          text: plain('End and solve'),
          value: String(ticket.number),
        },
        conversationButton(ticket.number),
      ],
    });
  } else {
    // Over: what was said stays readable from where the chat was.
    blocks.push({ type: 'actions', block_id: `chat_${ticket.number}`, elements: [conversationButton(ticket.number)] });
  }
  return blocks;
}

function conversationButton(ticketNumber: number): Button {
  return {
    type: 'button',
    action_id: actionIds.conversation,
    text: plain('Conversation'),
    value: conversationValue(ticketNumber, 0, 0),
  };
}

export interface TransferOfferData {
  transfer: Transfer;
  ticket: Ticket;
  targetText: string;
  lastMessages: readonly string[];
  /** Set once answered: the offer then says so instead of offering buttons. */
  outcome?: string;
}

/** What the person asked sees: the chat's summary and Accept / Decline (a group's queue offer has Accept only). */
export function transferOffer(data: TransferOfferData): KnownBlock[] {
  const { transfer, ticket } = data;
  const summary =
    data.lastMessages.length > 0
      ? `\n${data.lastMessages.map((line) => `>${escapeMrkdwn(clip(line, 300))}`).join('\n')}`
      : '';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*Transfer request:* <@${transfer.from}> asks ${data.targetText} to take chat #${ticket.number} — *${escapeMrkdwn(clip(ticket.subject, 150))}* with <@${ticket.requester.kind === 'slack' ? ticket.requester.userId : ''}>${summary}`,
      ),
    },
  ];
  if (data.outcome) {
    blocks.push({ type: 'context', elements: [mrkdwn(data.outcome)] });
    return blocks;
  }
  blocks.push({
    type: 'actions',
    block_id: `transfer_${transfer.id}`,
    elements: [
      {
        type: 'button',
        action_id: actionIds.acceptTransfer,
        text: plain('Accept'),
        value: transfer.id,
        style: 'primary',
      },
      ...(transfer.to.kind === 'group'
        ? []
        : [
            {
              type: 'button' as const,
              action_id: actionIds.declineTransfer,
              text: plain('Decline'),
              value: transfer.id,
            },
          ]),
    ],
  });
  return blocks;
}

export interface TransferModalData {
  ticketNumber: number;
  agents: readonly { user: string; name: string; availability: Availability }[];
  groups: readonly { id: number; name: string }[];
  leadGroup: { id: number; name: string };
}

/** Agent, team lead or group, in one picker; each agent's availability shown beside the name. */
export function transferModal(data: TransferModalData): ModalView {
  const agentOptions: PlainTextOption[] = data.agents.slice(0, 100).map((agent) => ({
    text: plain(`${agent.name} · ${agent.availability}`, 75),
    value: `agent:${agent.user}`,
  }));
  const option_groups = [
    ...(agentOptions.length > 0 ? [{ label: plain('Agents', 75), options: agentOptions }] : []),
    {
      label: plain('Team lead', 75),
      options: [{ text: plain(`A team lead of ${data.leadGroup.name}`, 75), value: `lead:${data.leadGroup.id}` }],
    },
    {
      label: plain('Groups', 75),
      options: data.groups
        .slice(0, 100)
        .map((group) => ({ text: plain(`${group.name} (${group.id})`, 75), value: `group:${group.id}` })),
    },
  ];
  return {
    type: 'modal',
    callback_id: callbackIds.transferChat,
    title: plain(`Transfer chat #${data.ticketNumber}`, 24),
    submit: plain('Ask', 24),
    close: plain('Cancel', 24),
    private_metadata: String(data.ticketNumber),
    blocks: [
      {
        type: 'section',
        text: mrkdwn('Nothing moves until the person asked accepts; until then the chat stays with you.'),
      },
      {
        type: 'input',
        block_id: transferFields.target,
        label: plain('Transfer to'),
        element: { type: 'static_select', action_id: transferFields.target, option_groups },
      },
    ],
  };
}

export function chatNoteModal(ticketNumber: number): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.chatNote,
    title: plain(`Note on chat #${ticketNumber}`, 24),
    submit: plain('Add note', 24),
    close: plain('Cancel', 24),
    private_metadata: String(ticketNumber),
    blocks: [
      {
        type: 'input',
        block_id: chatNoteFields.text,
        label: plain('Internal note (never sent to the requester)'),
        element: { type: 'plain_text_input', action_id: chatNoteFields.text, multiline: true, max_length: 3000 },
      },
    ],
  };
}
