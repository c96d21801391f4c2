import type { Priority } from '../workspace/schema.js';

export type { Priority };
export type TicketStatus = 'new' | 'open' | 'pending' | 'solved' | 'closed';
export const TICKET_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending', 'solved', 'closed'];
/** Statuses an agent still works on; solved and closed are done. */
export const UNSOLVED_STATUSES: readonly TicketStatus[] = ['new', 'open', 'pending'];

export type Requester =
  | { kind: 'slack'; userId: string; name?: string }
  | {
      kind: 'email';
      email: string;
      name: string;
      /** A phone number the requester gave (a REST or web-form ticket): shown to agents in the requester panel. */
      phone?: string;
      /** Addresses it had before an agent corrected it, newest last: mail from them still finds the ticket. */
      previousEmails?: string[];
    };

export interface TicketForm {
  rootCause?: string;
  category?: string;
  subcategory?: string;
}

export interface Actor {
  kind: 'agent' | 'requester' | 'system' | 'api';
  /** Slack user id for agents and Slack requesters; email, API key name or job name otherwise. */
  id: string;
  name?: string;
}

export type TicketChannel = 'slack' | 'email' | 'web' | 'chat';

export interface TicketSource {
  kind: 'modal' | 'message-shortcut' | 'dm' | 'intake-channel' | 'api' | 'email';
  /** Filed from a mailbox of the workspace file: its address. */
  mailbox?: string;
  permalink?: string;
  channelId?: string;
  messageTs?: string;
  /** The API key's name or the Slack user who filed it for someone else. */
  filedBy?: string;
}

export interface Ticket {
  number: number;
  subject: string;
  description: string;
  requester: Requester;
  status: TicketStatus;
  assignee: string | null;
  groupId: number;
  priority: Priority;
  form: TicketForm;
  channel: TicketChannel;
  source: TicketSource;
  createdAt: Date;
  updatedAt: Date;
  /** When it was last set to pending: auto-close counts from here. */
  pendingSince: Date | null;
  solvedAt: Date | null;
  closedAt: Date | null;
  mergedInto: number | null;
  /** Set on a follow-up: the closed ticket the requester wrote to. */
  followUpOf?: number | null;
  /** Last time the requester wrote; a pending ticket with a reply after pendingSince is not left to close. */
  lastRequesterReplyAt?: Date | null;
  /**
   * Set in the same write that auto-closes the ticket, cleared once the requester has been told: a
   * process that dies in between leaves it set, and the next run tells them.
   */
  closingNoteDue?: boolean;
  /** A problem ticket: incidents link to it, and solving it solves them. */
  problem?: boolean;
  /** Set on an incident: the problem ticket it is one case of. */
  problemOf?: number | null;
  /**
   * A merge of this ticket into another, step by step, so a merge cut half-way is finished by
   * running it again: copying → telling → closing → done.
   */
  merge?: MergeProgress | null;
  /** Free words a team files tickets under (lower case, at most 40 characters each): on the card and searchable. */
  tags?: string[];
  /** The first public reply by an agent: the first-reply SLA stops here. Set by the store from the `replied` events. */
  firstReplyAt?: Date | null;
  /**
   * Public agent replies so far, as the team counts contacts (see contactsBefore in stats.ts): `replies`
   * outside live chats, `chat` once a reply went in one. Kept by the store from the `replied` events;
   * `counted` is set at creation, so a ticket filed before the store kept it is counted from its history.
   */
  contacts?: TicketContacts;
  /** Stretches the resolution clock stood still (pending, or solved before a reopen), oldest first. */
  slaPauses?: SlaPause[];
  /** SLA announcements already made, by clock: each warning and each breach is recorded once. */
  slaMarks?: SlaMarks;
  /** Reminders already given, each marked with the moment its wait began: one reminder per wait (src/tickets/reminders.ts). */
  reminderMarks?: ReminderMarks;
  /** Given to someone by someone else and not yet acted on: the hand-back watches it (src/tickets/hand-back.ts). */
  handBackWatch?: HandBackWatch | null;
  /**
   * Merges into this ticket under way, by source (`n1004`): when each claimed it, and for whom. While
   * one is here this ticket is not merged away, so a merge's comments never land on a ticket that is
   * closing.
   */
  mergingIn?: Record<string, MergeClaim>;
  /** The last escalation into its group: the other team's live message says where it came from and why. */
  escalatedFrom?: EscalationOrigin | null;
  /** Incremented by every change, so a change can be made conditional on what the agent saw. */
  version: number;
}

export interface EscalationOrigin {
  groupId: number;
  by: string;
  at: Date;
  /** The note's first lines, raw (escaped wherever shown); the whole note is an internal comment. */
  note: string;
}

export interface TicketContacts {
  counted?: boolean;
  replies?: number;
  chat?: boolean;
}

export interface SlaPause {
  from: Date;
  to: Date;
}

export type SlaClock = 'firstReply' | 'resolution';

export interface ReminderMarks {
  /** The wait (the ticket's updatedAt) its assignee was reminded of. */
  assigneeFor?: Date;
  /** The wait its group's leads were told of. */
  leadFor?: Date;
  /** The pending stretch (pendingSince) its requester was asked to answer in. */
  pendingFor?: Date;
}

export interface HandBackWatch {
  assignee: string;
  /** Who had it before: where it goes back to when the group hands back to the previous owner. */
  previous: string | null;
  since: Date;
}

export interface SlaMarks {
  firstReplyWarned?: Date;
  firstReplyBreached?: Date;
  resolutionWarned?: Date;
  resolutionBreached?: Date;
}

export interface MergeClaim {
  at: Date;
  /** The agent merging: a merge whose process died right after claiming is finished as theirs. */
  by: string;
}

export interface MergeProgress {
  into: number;
  /** claiming: the source is held and its target not yet (see claimBoth in merge.ts); nothing copied. */
  state: 'claiming' | 'copying' | 'telling' | 'closing' | 'done';
  by: string;
  /** When the merge began; the job finishes only merges older than a live process would take. */
  startedAt?: Date;
}

// The history's vocabulary (each action and what its event carries) lives with the events: see there to add one.
export type {
  NewTicketEvent,
  NewTicketEventOf,
  TicketAction,
  TicketEvent,
  TicketEventOf,
} from '../events/ticket-events.js';

export type CommentKind = 'public' | 'internal' | 'chat-note';

export interface TicketComment {
  id: string;
  ticketNumber: number;
  kind: CommentKind;
  author: Actor;
  text: string;
  createdAt: Date;
  /** Where it came in, when the door that wrote it says so (`email`); otherwise read from its id (commentOrigin in conversation.ts). */
  via?: string;
}

export function requesterLabel(requester: Requester): string {
  return requester.kind === 'slack' ? `<@${requester.userId}>` : `${requester.name} <${requester.email}>`;
}
