/** A live conversation's facts: the ticket it belongs to and where its two sides talk. */
export type Availability = 'online' | 'away' | 'offline';
export const AVAILABILITIES: readonly Availability[] = ['online', 'away', 'offline'];

export interface SlackRef {
  channel: string;
  ts: string;
}

/** waiting: nobody accepted yet; live: an agent has it; ended: the agent ended it (the ticket stays). */
export type ChatState = 'waiting' | 'live' | 'ended';

export interface Chat {
  ticketNumber: number;
  /** The requester's Slack user id. */
  requester: string;
  /** The requester's DM with the bot: agent replies are relayed there. */
  requesterDm: string;
  agent: string | null;
  groupId: number;
  /** The Incoming chat message in the group's queue channel; its thread is the agent's side of the chat. */
  thread: SlackRef;
  state: ChatState;
  startedAt: Date;
  lastActivityAt: Date;
  /** When each side last wrote (absent on chats from before they were kept): whose turn it is, for the agent's Home. */
  lastRequesterAt?: Date;
  lastAgentAt?: Date;
  endedAt: Date | null;
  /** Whether the parent message shows the chat as active: the refresh re-renders only chats whose state changed. */
  shownActive: boolean;
}

export type TransferTarget =
  | { kind: 'agent'; id: string }
  | { kind: 'lead'; id: string }
  | { kind: 'group'; id: string };
export type TransferState = 'requested' | 'accepted' | 'declined' | 'expired' | 'cancelled';
/**
 * How far an accepted transfer got: each later step is idempotent and recorded here, so a retry after a
 * crash finishes the move without repeating a step.
 */
export type TransferStep = 'requested' | 'accepted' | 'chat-moved' | 'ticket-moved' | 'done';

export interface Transfer {
  id: string;
  ticketNumber: number;
  from: string;
  to: TransferTarget;
  state: TransferState;
  step: TransferStep;
  requestedAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  answeredBy: string | null;
  /** The messages that offer Accept/Decline, updated when the request is answered. */
  offers: SlackRef[];
  /**
   * A group transfer asked while nobody there was online: it waits for the next agent of the group who
   * comes online and accepts; the chat stays with its agent meanwhile.
   */
  queued?: boolean;
}

/** One relayed copy of a message: the original's key (channel:ts) to where the copy went. */
export interface RelayedMessage {
  key: string;
  ticketNumber: number;
  original: SlackRef;
  copy: SlackRef;
  /** Which side wrote the original. */
  side: 'requester' | 'agent';
  createdAt: Date;
}
