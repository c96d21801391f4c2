import { EventDispatcher } from '../../src/events/dispatcher.js';
import { refusalText } from '../../src/slack/words.js';
import type { Store } from '../../src/store/store.js';
import type { Desk } from '../../src/tickets/desk.js';
import { type NewTicket, openTicket } from '../../src/tickets/intake.js';
import type { Refusal } from '../../src/tickets/refusals.js';
import type { Ticket } from '../../src/tickets/types.js';
import { Directory } from '../../src/workspace/directory.js';
import type { Workspace } from '../../src/workspace/schema.js';
import { TestClock } from './clock.js';
import { people, testWorkspace } from './workspace.js';

/**
 * A desk without Slack, for workflow rules tested on the real database. Its events go to the history
 * and to no one else; `settled()` waits until they are there.
 */
export function testDesk(
  store: Store,
  options: { workspace?: Workspace; clock?: TestClock } = {},
): Desk & { testClock: TestClock; events: EventDispatcher; settled(): Promise<void> } {
  const clock = options.clock ?? new TestClock();
  const events = new EventDispatcher(store, () => {});
  return {
    store,
    directory: new Directory(options.workspace ?? testWorkspace()),
    clock: clock.now,
    testClock: clock,
    settings: { pendingCloseDays: 3, solvedCloseDays: 4, transferExpirySeconds: 120, timeZone: 'UTC' },
    events,
    settled: () => events.settled(),
  };
}

/**
 * A test's shortcut to a ticket's state: the one store change a workflow would make, handed out like
 * a workflow's events (so the history, stats and notifiers see it) and waited for.
 */
export async function changeTicket(
  desk: Desk,
  ...change: Parameters<Store['tickets']['change']>
): Promise<Ticket | null> {
  const changed = await desk.store.tickets.change(...change);
  desk.events.ticketChanged(change[0]);
  await (desk.events as EventDispatcher).settled();
  return changed;
}

/** A refusal as an agent reads it in Slack: for a test that shows the sentence a person sees. */
export function said(desk: Desk, result: { ok: boolean }): string {
  return result.ok ? '' : refusalText(desk, result as Refusal);
}

/** Files a ticket as a customer would, one minute after the previous one (so "oldest first" is visible). */
export async function fileTicket(
  desk: Desk & { testClock?: TestClock },
  overrides: Partial<NewTicket> = {},
): Promise<Ticket> {
  desk.testClock?.advance(60_000);
  const result = await openTicket(
    desk,
    {
      subject: 'Card was charged twice',
      description: 'My card was declined and then charged twice.',
      requester: { kind: 'slack', userId: people.customer },
      groupId: 10,
      ...overrides,
    },
    { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
  );
  if (!result.ok) throw new Error(said(desk, result));
  return result.ticket;
}
