/**
 * What may happen to a ticket, by name, and what each happening carries: the history's vocabulary,
 * typed so that the compiler (not a customer's notification) finds a reader that expects another shape.
 *
 * To add an action (say `email_received`):
 *   1. add one entry to `EventPayloads` below: `email_received: { to: { commentId: string; messageId: string } }`
 *      (`from`, `to` and `note` are the only keys; leave out what it does not carry);
 *   2. build it in the workflow with `ticketEvent('email_received', actor, now, { to: { … } })`;
 *   3. give each notifier that should hear it a handler under that key (`events: { email_received }` in
 *      src/slack/notifiers/*): the key is the subscription, and the handler's `event.to` is typed.
 * Nothing else lists actions: a notifier that does not name it never hears it, and the live ticket
 * message's thread line (blocks/live-message.ts) shows it only once it has a line there.
 *
 * The stored history keeps these shapes as they are written (stats and reports read them back), so a
 * payload only ever gains optional fields; a name is never reused for something else.
 */
import type { NoteReason } from '../chats/relay.js';
import type { SlackRef, TransferTarget } from '../chats/types.js';
import type { Rating } from '../store/satisfaction.js';
import type { Actor, Priority, SlaClock, TicketForm, TicketStatus } from '../tickets/types.js';

/** Why a hand-over request stopped being asked without an answer. */
export type HandoffCancelledBecause = 'ticket-changed' | 'ticket-moved';

/** A transfer's event: who asked, the target asked, and (in `note`) the transfer's id. */
interface TransferStep<To = object> {
  from: { agent: string };
  to: TransferTarget & To;
  /** The transfer's id. */
  note: string;
}

/** A hand-over's event: who has the ticket, who is asked, and (in `note`) the hand-over's id. */
interface HandoffStep<To = object> {
  from: { assignee: string };
  to: { assignee: string } & To;
  /** The hand-over's id. */
  note: string;
}

/** One entry per action: what its event carries in `from`, `to` and `note`. */
export interface EventPayloads {
  created: { to: { status: 'new'; groupId?: number; priority?: Priority; followUpOf?: number } };
  /** `note: 'next'` when taken with "take next". */
  taken: { from: { assignee: null }; to: { assignee: string; status: 'open' }; note?: string };
  /**
   * `via: 'handoff'`: the colleague accepted a hand-over, whose id is the note; `via: 'bulk'`: one
   * ticket of a lead's bulk hand-over, whose id is the note (told once, as a summary). Events written
   * before this field carried the id with a `handoff:`/`bulk:` prefix in the note.
   */
  assigned: {
    from: { assignee: string | null; status?: TicketStatus };
    to: { assignee: string; status?: TicketStatus; via?: 'handoff' | 'bulk' };
    note?: string;
  };
  released: { from: { assignee: string | null }; to: { assignee: null; via?: 'bulk' }; note?: string };
  /** `endsChat`: a solve that ends the ticket's live chat; its survey waits for the requester to hear the chat ended. */
  status_changed: { from: { status: TicketStatus }; to: { status: TicketStatus; endsChat?: boolean }; note?: string };
  /** A public reply by an agent. `via: 'chat'` relayed in a live chat; `via: 'email', during: 'chat'` emailed from one. */
  replied: { to: { commentId: string; via?: 'chat' | 'email'; during?: 'chat'; fromProblem?: number } };
  noted: { to: { commentId: string; kind?: 'chat-note'; reason?: NoteReason } };
  form_changed: { from: TicketForm; to: TicketForm };
  priority_changed: { from: { priority: Priority }; to: { priority: Priority } };
  requester_replied: { from: { status: TicketStatus }; to: { status: TicketStatus; commentId: string } };
  reopened: { from: { status: TicketStatus }; to: { status: TicketStatus; commentId: string } };
  follow_up_created: { to: { number: number } };
  /** `note` says why when it was not an agent's merge ("chat already open"). */
  merged_into: { from?: { status: TicketStatus }; to: { number: number }; note?: string };
  merged_from: { from: { number: number }; to: { number: number } };
  /** `note` is the id of the internal comment that says why. */
  escalated: {
    from: { groupId: number; assignee: string | null };
    to: { groupId: number; assignee: null };
    note: string;
  };
  problem_marked: object;
  incident_linked: { from: { problemOf: number | null }; to: { problemOf: number } };
  /**
   * `closingNote`: the public note the close writes, stored with the event's history (recordHistory),
   * so whichever process hands the event out writes it; absent on events of older versions.
   */
  auto_closed: {
    from: { status: 'pending' };
    to: { status: 'closed' };
    note: string;
    closingNote?: { commentId: string; text: string };
  };
  chat_started: { to: { groupId: number; via: 'dm' | 'intake-channel' } };
  chat_accepted: { from: { assignee: string | null; status: TicketStatus }; to: { assignee: string } };
  /** `surveyFollows`: the solve that ended it left its survey to be asked after the requester hears of the end. */
  /** The chat's agent handed it back to its group's queue: waiting again for the first agent there who accepts. */
  chat_requeued: { from: { assignee: string }; to: { groupId: number } };
  chat_ended: { to?: { because: 'solved'; surveyFollows?: boolean } };
  /** `asked`: the people offered it, decided when it was asked (who was online). */
  transfer_requested: TransferStep<{ asked: string[] }>;
  transfer_declined: TransferStep;
  transfer_expired: TransferStep;
  transfer_cancelled: TransferStep<{ because?: 'chat-ended' }>;
  /** `from.thread`: where the chat's thread was before, told that it moved. */
  transfer_accepted: {
    from: { assignee: string; thread: SlackRef };
    to: TransferTarget & { assignee: string };
    note: string;
  };
  chat_followed: object;
  /** `mirror`: the follower's copy of the chat, marked as no longer followed. */
  chat_unfollowed: { to?: { mirror: SlackRef } };
  satisfaction_rated: {
    from?: { rating: Rating };
    to: { rating: Rating | null; solve: number; agent: string | null; comment?: string };
  };
  delivery_failed: {
    to: {
      via: 'slack' | 'email';
      purpose: string;
      commentId?: string;
      attempt: number;
      retryAt: Date | null;
      reason: string;
    };
  };
  delivered: { to: { via: 'slack' | 'email'; commentId: string | null | undefined; attempts: number } };
  handoff_requested: HandoffStep<{ expiresAt: Date }>;
  handoff_declined: HandoffStep;
  handoff_expired: HandoffStep;
  handoff_cancelled: HandoffStep<{ because?: HandoffCancelledBecause }>;
  subject_changed: { from: { subject: string }; to: { subject: string } };
  requester_changed: { from: { email: string; name: string }; to: { email: string; name: string } };
  tags_changed: { from: { tags: string[] }; to: { tags: string[] } };
  sla_warning: { to: { clock: SlaClock; targetMs: number; remainingMs: number; dueAt: Date | null } };
  /** `warned`: a warning came first, so the breach is not announced again. */
  sla_breached: { to: { clock: SlaClock; targetMs: number; overByMs: number; warned: boolean } };
  /** deskbolt reminded the assignee of an open ticket waiting on them (`waitedMs`: business time when the SLA counts it). */
  assignee_reminded: { to: { assignee: string; waitedMs: number; afterMs: number } };
  /** deskbolt told the group's leads that the ticket still waits on its assignee. */
  lead_reminded: { to: { assignee: string; leads: string[]; waitedMs: number; afterMs: number } };
  /** deskbolt asked the requester of a pending ticket for their answer before the auto-close. */
  requester_reminded: { to: { via: 'slack' | 'email'; closesAt: Date } };
  /** deskbolt took the ticket back from an owner who did not act on it within `afterMs`. */
  handed_back: {
    from: { assignee: string };
    to: { assignee: string | null; via: 'queue' | 'previous'; afterMs: number };
  };
  /** A chat transfer nobody accepted: deskbolt put the chat back in its group's queue. */
  transfer_returned: { from: { agent: string }; to: { groupId: number }; note: string };
  /** Routing (docs/routing.md) offered the waiting ticket to an agent; `note` is the offer's id. Done by deskbolt. */
  routing_offered: { to: { agent: string; mode: RoutingModeOn; expiresAt: Date }; note: string };
  /** The offer went on to the next agent: passed (by the agent), no answer in time, or the agent went offline. */
  routing_passed: { from: { agent: string }; to: { because: RoutingPassedBecause }; note: string };
  /** The offer no longer stands: the ticket was taken or moved by someone, or stopped waiting. */
  routing_cancelled: { from: { agent: string }; to: { because: 'taken' | 'not-waiting'; by?: string }; note: string };
  /** Every online agent of the rotation was offered the ticket and none accepted: it waits in the queue. `note` is the round. */
  routing_unanswered: { to: { groupId: number; offered: number }; note: string };
}

/** A rotation that offers: the modes other than `off`. */
export type RoutingModeOn = 'round-robin' | 'least-busy';
/** Why an offer went on to the next agent. */
export type RoutingPassedBecause = 'pass' | 'timeout' | 'offline';

/**
 * What happened to a ticket, in the history's words. Stats are computed from these, so a name is
 * never reused for something else: `replied` is a public reply by an agent, `status_changed` carries
 * {status} in from/to, `requester_replied` a message from the requester.
 */
export type TicketAction = keyof EventPayloads;

/** A payload with the keys it leaves out present as `undefined`, so any event's `to` can be read. */
type Filled<P> = Omit<{ from?: undefined; to?: undefined; note?: undefined }, keyof P> & P;

interface EventBase<A extends TicketAction> {
  id: string;
  ticketNumber: number;
  actor: Actor;
  action: A;
  at: Date;
}

/** One action's event, as the history holds it: `TicketEventOf<'assigned'>['to']['assignee']` is a string. */
export type TicketEventOf<A extends TicketAction> = A extends TicketAction
  ? EventBase<A> & Filled<EventPayloads[A]>
  : never;

/** Any event: narrowed by `action`. */
export type TicketEvent = TicketEventOf<TicketAction>;

/** An event as the workflow describes it; the store gives it its id and ticket. */
export type NewTicketEventOf<A extends TicketAction> = A extends TicketAction
  ? Omit<EventBase<A>, 'id' | 'ticketNumber'> & Filled<EventPayloads[A]>
  : never;
export type NewTicketEvent = NewTicketEventOf<TicketAction>;

type PayloadArgument<A extends TicketAction> = object extends EventPayloads[A]
  ? [payload?: EventPayloads[A]]
  : [payload: EventPayloads[A]];

/** The one way a workflow writes an event: the payload is checked against its action's entry. */
export function ticketEvent<A extends TicketAction>(
  action: A,
  actor: Actor,
  at: Date,
  ...[payload]: PayloadArgument<A>
): NewTicketEventOf<A> {
  // The compiler cannot follow a generic action into the distributed union; the signature is what callers are held to.
  return { actor, action, ...payload, at } as unknown as NewTicketEventOf<A>;
}
