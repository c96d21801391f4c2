/** A hand-over between agents: nothing moves until the colleague accepts; a decline, a cancel or the expiry leave the ticket where it was. */
export type HandoffState = 'requested' | 'accepted' | 'declined' | 'expired' | 'cancelled';
/** How far an accepted hand-over got: `accepted` (answered, ticket not moved yet) → `done`. */
export type HandoffStep = 'requested' | 'accepted' | 'done';

export interface Handoff {
  id: string;
  ticketNumber: number;
  from: string;
  to: string;
  state: HandoffState;
  step: HandoffStep;
  requestedAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  answeredBy: string | null;
  /** The messages that offer Accept/Decline, updated when the request is answered. */
  offers: { channel: string; ts: string }[];
}

/** One ticket of a bulk hand-over and where it goes: an agent, or the queue (null). */
export interface BulkMoveItem {
  number: number;
  to: string | null;
}

/**
 * A lead's "hand all of Ana's tickets to Ben": planned (counted, waiting for the lead's confirmation),
 * running (each ticket moved by its own conditional write, the position recorded after each, so a run
 * cut anywhere is finished by the next), done.
 */
export interface BulkMove {
  id: string;
  by: string;
  from: string;
  to: string | null;
  items: BulkMoveItem[];
  position: number;
  moved: number;
  skipped: number;
  state: 'planned' | 'running' | 'done';
  createdAt: Date;
  updatedAt: Date;
}
