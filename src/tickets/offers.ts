import type { Desk, Refusal } from './desk.js';

/**
 * A confirm-first offer: something (a ticket, a chat) is offered to someone and nothing moves until
 * they accept. The ticket hand-over and the chat transfer are two rule sets on this one machine: an
 * offer is requested (one waiting per ticket, kept by a unique key in the store), then answered once —
 * accepted, declined, cancelled — or expired, lazily when someone finds it past its time, or by a job.
 * Every answer is one conditional write on "still requested", so of two answers at once exactly one wins
 * and the other is told what happened instead.
 */
export type OfferState = 'requested' | 'accepted' | 'declined' | 'expired' | 'cancelled';

export interface Offer {
  id: string;
  ticketNumber: number;
  state: OfferState;
  expiresAt: Date;
}

export interface OfferAnswer {
  state: Exclude<OfferState, 'requested'>;
  by: string | null;
  at: Date;
}

/** Where a rule set keeps its offers; `A` is what its answers carry beyond the answer itself. */
export interface OfferStore<O extends Offer, A extends object> {
  get(id: string): Promise<O | null>;
  waitingOf(ticketNumber: number): Promise<O | null>;
  /** Null when the ticket already has an offer waiting. */
  open(offer: Omit<O, 'id'>): Promise<O | null>;
  /** Answers it only while it is still requested; null when another answer came first. */
  answer(id: string, answer: OfferAnswer & Partial<A>): Promise<O | null>;
  /** Offers still requested whose time has passed, oldest first. */
  expired(now: Date, limit: number): Promise<O[]>;
}

/** What differs between a hand-over and a transfer: their store, their expiry's record, and their words. */
export interface OfferRules<O extends Offer, A extends object> {
  store(desk: Desk): OfferStore<O, A>;
  /** Writes the expiry into the ticket's history (and tells the notifiers). */
  recordExpired(desk: Desk, offer: O): Promise<void>;
  /** Why an offer can no longer be answered, from what it is now. */
  alreadyAnswered(offer: O): Refusal;
}

export type OpenedOffer<O extends Offer> =
  | { opened: true; offer: O; expired: O | null }
  | { opened: false; waiting: O; expired: O | null };

export class OfferMachine<O extends Offer, A extends object = object> {
  constructor(private readonly rules: OfferRules<O, A>) {}

  /** Lazy expiry: an offer found past its time is expired before anything else happens to it. */
  async expireIfDue(desk: Desk, offer: O | null): Promise<O | null> {
    if (offer?.state !== 'requested' || offer.expiresAt.getTime() > desk.clock().getTime()) return null;
    // An expiry carries nothing of a rule set's own: every field of A is optional to an answer.
    const expiry: OfferAnswer = { state: 'expired', by: null, at: desk.clock() };
    const expired = await this.rules.store(desk).answer(offer.id, expiry as OfferAnswer & Partial<A>);
    if (!expired) return null;
    await this.rules.recordExpired(desk, expired);
    return expired;
  }

  /**
   * Opens an offer on a ticket, after expiring one left there past its time. A ticket with an offer
   * still waiting keeps it: `waiting` is that one.
   */
  async open(desk: Desk, offer: Omit<O, 'id'>): Promise<OpenedOffer<O>> {
    const store = this.rules.store(desk);
    const expired = await this.expireIfDue(desk, await store.waitingOf(offer.ticketNumber));
    const opened = await store.open(offer);
    if (opened) return { opened: true, offer: opened, expired };
    return { opened: false, waiting: (await store.waitingOf(offer.ticketNumber))!, expired };
  }

  /** Answers an offer with one conditional write: the loser of two answers at once hears what won. */
  async answer(desk: Desk, offerId: string, answer: OfferAnswer & Partial<A>): Promise<O | Refusal> {
    const store = this.rules.store(desk);
    const won = await store.answer(offerId, answer);
    return won ?? this.rules.alreadyAnswered((await store.get(offerId))!);
  }

  /** The job: expires the offers nobody answered in time. */
  async expireDue(desk: Desk, now: Date, limit: number): Promise<O[]> {
    const expired: O[] = [];
    for (const offer of await this.rules.store(desk).expired(now, limit)) {
      const done = await this.expireIfDue(desk, offer);
      if (done) expired.push(done);
    }
    return expired;
  }

  alreadyAnswered(offer: O): Refusal {
    return this.rules.alreadyAnswered(offer);
  }
}
