import { AsyncLocalStorage } from 'node:async_hooks';
import { faultMessage, type Log, withLogContext } from '../log.js';
import { offTheAskersPath } from '../store/command-watch.js';
import type { Store } from '../store/store.js';
import type { TicketEvent } from '../tickets/types.js';
import type { DeskEvents, DeskSignal, Subscriber, TicketNotice } from './types.js';

/**
 * Hands what happened to whoever listens. A ticket's events wait in its outbox (written in the same
 * update as the change) until they are in the history and every subscriber has had them; only then
 * are they taken out. A process that dies in between leaves them there, and the sweep hands them out
 * again (`redeliverLeftovers`), so a crash never loses a notification — at worst one is sent twice.
 *
 * One ticket's events go out one after another, in the order they happened (a relayed chat keeps its
 * order); different tickets go out side by side. A subscriber that fails is logged and does not stop
 * the others.
 */
/** The ticket a signal is about, when it is about one: it then waits its turn behind that ticket's events. */
function ticketOfSignal(signal: DeskSignal): number | null {
  switch (signal.type) {
    case 'chat_went_quiet':
    case 'chat_file_shared':
      return signal.chat.ticketNumber;
    case 'relay_edited':
    case 'relay_deleted':
      return signal.relay.ticketNumber;
    default:
      return null;
  }
}

type TicketHandler = (notice: TicketNotice) => Promise<void>;

/**
 * What a subscriber runs for this notice, if it hears it: its every-event handler, then its handler
 * for the event's action. The map's type ties each key to its action's payload; looked up by a
 * runtime key, the compiler cannot follow that tie, so the lookup is widened here, once.
 */
export function ticketHandler(subscriber: Subscriber, notice: TicketNotice): TicketHandler | undefined {
  const own = subscriber.events?.[notice.event.action] as TicketHandler | undefined;
  if (!subscriber.everyEvent) return own;
  return async (heard) => {
    await subscriber.everyEvent!(heard);
    await own?.(heard);
  };
}

function signalHandler(
  subscriber: Subscriber,
  signal: DeskSignal,
): ((signal: DeskSignal) => Promise<void>) | undefined {
  return subscriber.signals?.[signal.type] as ((signal: DeskSignal) => Promise<void>) | undefined;
}

export class EventDispatcher implements DeskEvents {
  private readonly subscribers: Subscriber[] = [];
  private readonly perTicket = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<Promise<unknown>>();
  /** What a request told while its work runs (answerFirst), in order: handed out when it is done. */
  private readonly held = new AsyncLocalStorage<{ tells: (() => void)[]; open: boolean }>();

  constructor(
    private readonly store: Store,
    private readonly log: Log,
  ) {}

  subscribe(...subscribers: Subscriber[]): void {
    this.subscribers.push(...subscribers);
  }

  async answerFirst<T>(work: () => Promise<T>): Promise<T> {
    const request = { tells: [] as (() => void)[], open: true };
    try {
      return await this.held.run(request, work);
    } finally {
      // Work the request left running (not awaited) tells straight away from now on.
      request.open = false;
      for (const tell of request.tells) tell();
    }
  }

  /** True when the caller's request is still at work: what it tells waits for it (answerFirst). */
  private hold(tell: () => void): boolean {
    const request = this.held.getStore();
    if (!request?.open) return false;
    request.tells.push(tell);
    return true;
  }

  ticketChanged(ticketNumber: number): void {
    if (this.hold(() => this.ticketChanged(ticketNumber))) return;
    this.inTurn([ticketNumber], () => this.handOut(ticketNumber), `events of #${ticketNumber}`);
  }

  /**
   * Many tickets changed at once (a job's batch): their events are handed out together — one read,
   * one write into the history, one clearing write — each ticket's still in order and behind its
   * earlier work, and each ticket's later work behind the batch.
   */
  ticketsChanged(ticketNumbers: readonly number[]): void {
    if (this.hold(() => this.ticketsChanged(ticketNumbers))) return;
    const numbers = [...new Set(ticketNumbers)];
    if (numbers.length === 1) this.ticketChanged(numbers[0]!);
    else if (numbers.length > 1)
      this.inTurn(numbers, () => this.handOutMany(numbers), `events of ${numbers.length} tickets from #${numbers[0]}`);
  }

  /** Work about tickets waits for those tickets' earlier work: their events and signals keep their order. */
  private inTurn(ticketNumbers: readonly number[], work: () => Promise<void>, what: string): void {
    const earlier = ticketNumbers.flatMap((number) => this.perTicket.get(number) ?? []);
    const previous = earlier.length <= 1 ? (earlier[0] ?? Promise.resolve()) : Promise.allSettled(earlier);
    const offPath = () => offTheAskersPath(work);
    const next = previous.then(offPath, offPath);
    for (const number of ticketNumbers) this.perTicket.set(number, next);
    this.track(
      next.finally(() => {
        for (const number of ticketNumbers) if (this.perTicket.get(number) === next) this.perTicket.delete(number);
      }),
      what,
    );
  }

  recorded(event: TicketEvent): void {
    if (this.hold(() => this.recorded(event))) return;
    this.track(
      offTheAskersPath(async () => {
        const ticket = await this.store.tickets.get(event.ticketNumber);
        if (ticket) await this.notify({ event, ticket, last: true });
      }),
      `event ${event.action} of #${event.ticketNumber}`,
    );
  }

  signal(signal: DeskSignal): void {
    if (this.hold(() => this.signal(signal))) return;
    const heard = this.subscribers.flatMap((subscriber) => {
      const handler = signalHandler(subscriber, signal);
      return handler ? [{ subscriber, handler }] : [];
    });
    const work = async () => {
      await Promise.all(
        heard.map(({ subscriber, handler }) => this.guard(subscriber, signal.type, () => handler(signal))),
      );
    };
    const ticketNumber = ticketOfSignal(signal);
    if (ticketNumber === null) this.track(offTheAskersPath(work), signal.type);
    else this.inTurn([ticketNumber], work, `${signal.type} of #${ticketNumber}`);
  }

  busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Resolves when everything handed out so far (and whatever that handed out in turn) is done. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Events a dead process left in outboxes: handed out again. Only events older than `olderThan`
   * are taken, so a live process's events, about to go out, are left to it.
   */
  async redeliverLeftovers(olderThan: Date, limit: number): Promise<number> {
    const numbers = await this.store.tickets.withEventsWaitingSince(olderThan, limit);
    // A process that died between a ticket's write and its queue entry's left the event here too.
    await this.store.tickets.followWaiting(numbers);
    for (const number of numbers) {
      this.ticketChanged(number);
      await this.perTicket.get(number);
    }
    return numbers.length;
  }

  private handOut(ticketNumber: number): Promise<void> {
    return withLogContext({ ticket: ticketNumber }, () => this.handOutOne(ticketNumber));
  }

  private async handOutOne(ticketNumber: number): Promise<void> {
    const found = await this.store.tickets.withOutbox(ticketNumber);
    if (!found || found.outbox.length === 0) return;
    // History first: what happened is recorded even if telling people fails.
    await this.store.tickets.recordHistory(found.outbox);
    const { requesterThread } = found.places;
    for (const [index, event] of found.outbox.entries())
      await this.notify({
        event,
        ticket: found.ticket,
        last: index === found.outbox.length - 1,
        ...(requesterThread ? { requesterThread } : {}),
      });
    await this.store.tickets.clearOutbox(
      ticketNumber,
      found.outbox.map((event) => event.id),
    );
  }

  private async handOutMany(ticketNumbers: readonly number[]): Promise<void> {
    const found = (await this.store.tickets.withOutboxes(ticketNumbers)).filter(({ outbox }) => outbox.length > 0);
    if (found.length === 0) return;
    await this.store.tickets.recordHistory(found.flatMap(({ outbox }) => outbox));
    // Tickets side by side, as separate hand-outs would go; each ticket's events one after another.
    await Promise.all(
      found.map(async ({ ticket, outbox }) => {
        await withLogContext({ ticket: ticket.number }, async () => {
          for (const [index, event] of outbox.entries())
            await this.notify({ event, ticket, last: index === outbox.length - 1 });
        });
      }),
    );
    await this.store.tickets.clearOutboxes(
      found.map(({ ticket, outbox }) => ({ number: ticket.number, eventIds: outbox.map((event) => event.id) })),
    );
  }

  private async notify(notice: TicketNotice): Promise<void> {
    const action = notice.event.action;
    const heard = this.subscribers.flatMap((subscriber) => {
      const handler = ticketHandler(subscriber, notice);
      return handler ? [{ subscriber, handler }] : [];
    });
    const tell = (group: typeof heard) =>
      Promise.all(
        group.map(({ subscriber, handler }) =>
          this.guard(subscriber, `${action} of #${notice.ticket.number}`, () => handler(notice)),
        ),
      );
    // Records first: what the notifiers show may be read from them.
    await tell(heard.filter(({ subscriber }) => subscriber.records));
    await tell(heard.filter(({ subscriber }) => !subscriber.records));
  }

  private async guard(subscriber: Subscriber, what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.log(`events: ${subscriber.name} failed on ${what}: ${faultMessage(error)}`, error);
    }
  }

  private track(work: Promise<unknown>, what: string): void {
    const tracked = work.catch((error: unknown) =>
      this.log(`events: handing out ${what} failed: ${faultMessage(error)}`, error),
    );
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
