import type { Availability, Chat, RelayedMessage } from '../chats/types.js';
import type { BulkMove } from '../tickets/assignment-types.js';
import type { Ticket, TicketAction, TicketEvent, TicketEventOf } from '../tickets/types.js';

/**
 * What happened, as workflows tell it. A ticket's events are the history's own (`TicketEvent`, the
 * outbox entries written in the same update as the change): no second vocabulary. A subscriber gets
 * each event with the ticket as it is when the event is handed out (after the workflow's last write).
 */
export interface TicketNotice<E extends TicketEvent = TicketEvent> {
  event: E;
  ticket: Ticket;
  /** The last of the events handed out together: what shows the ticket's state is brought up to date once, here. */
  last: boolean;
  /**
   * The requester's thread as the hand-out read it with the ticket, when it was there: a notifier may
   * post under it without reading the ticket again. Absent, the place is resolved when the message is sent.
   */
  requesterThread?: { channel: string; ts: string };
}

/** A notice of one action's event: its `event.to` is that action's own shape. */
export type TicketNoticeOf<A extends TicketAction> = TicketNotice<TicketEventOf<A>>;

/** Things that change outside any ticket's history, told the same way. */
export type DeskSignal =
  | { type: 'availability_changed'; agent: string; availability: Availability; previous: Availability }
  | { type: 'chat_went_quiet'; chat: Chat }
  | { type: 'relay_edited'; relay: RelayedMessage; text: string; withdraw: boolean; editor: string }
  | { type: 'relay_deleted'; relay: RelayedMessage }
  | { type: 'chat_file_shared'; chat: Chat; fileId: string; side: 'requester' | 'agent'; sender: string }
  | { type: 'weekly_digest_due'; lead: string; week: string; from: Date; to: Date; marker: string }
  /** A lead's bulk hand-over ran to its end (`resumed`: finished by the job after its process died). */
  | { type: 'bulk_move_finished'; move: BulkMove; resumed: boolean }
  /** Tickets wait in a group's queue past its threshold and nobody of the group is online (`window`: the hour it is told for). */
  | { type: 'queue_unattended'; groupId: number; waiting: number; oldest: number; oldestFiledAt: Date; window: string };

export type SignalType = DeskSignal['type'];
export type SignalOf<T extends SignalType> = Extract<DeskSignal, { type: T }>;

/** Handlers by ticket action: the keys are what the subscriber hears, each handler typed by its action. */
export type TicketHandlers = { readonly [A in TicketAction]?: (notice: TicketNoticeOf<A>) => Promise<void> };
/** Handlers by signal type, the same way. */
export type SignalHandlers = { readonly [T in SignalType]?: (signal: SignalOf<T>) => Promise<void> };

/** A subscriber: who listens to which actions and signals, and what it does with them. */
export interface Subscriber {
  /** Names the subscriber in logs: "home", "requester messages". */
  name: string;
  /**
   * Keeps a record others read (the week's figures): it has each event before the notifiers do, so
   * a home published for an event already shows what the event changed.
   */
  records?: boolean;
  /** Its subscription: one handler per ticket action it hears. */
  events?: TicketHandlers;
  /** Every ticket event, whatever its action (the live ticket message shows a line for each). */
  everyEvent?(notice: TicketNotice): Promise<void>;
  signals?: SignalHandlers;
}

/** What workflows see of the dispatcher: they say what changed; who hears of it is not theirs to know. */
export interface DeskEvents {
  /**
   * A workflow finished changing this ticket: its outbox events go to the history and then to every
   * subscriber, in order, after the caller has moved on. Called once at a workflow's end, after its
   * last write, so subscribers see the comments and deliveries the events name.
   */
  ticketChanged(ticketNumber: number): void;
  /** `ticketChanged` for many tickets at once (a job's batch): their events are handed out together. */
  ticketsChanged(ticketNumbers: readonly number[]): void;
  /** An event written straight to the history (one that changes nothing on the ticket, a survey answer). */
  recorded(event: TicketEvent): void;
  signal(signal: DeskSignal): void;
  /**
   * Runs one request's work (a Slack listener's) and hands out what it told of only when the work is
   * done: the person who asked is answered before the notifiers' reads and writes compete with the
   * answer's. Told in the order they were told; if the work fails, what it told goes out all the same.
   */
  answerFirst<T>(work: () => Promise<T>): Promise<T>;
}
