import type { Store } from '../../src/store/store.js';
import type { Desk } from '../../src/tickets/desk.js';
import { openTicket, type NewTicket } from '../../src/tickets/intake.js';
import type { Ticket } from '../../src/tickets/types.js';
import { Directory } from '../../src/workspace/directory.js';
import type { Workspace } from '../../src/workspace/schema.js';
import { TestClock } from './clock.js';
import { people, testWorkspace } from './workspace.js';

/** A desk without Slack, for workflow rules tested on the real database. */
export function testDesk(store: Store, options: { workspace?: Workspace; clock?: TestClock } = {}): Desk & { testClock: TestClock } {
  const clock = options.clock ?? new TestClock();
  return {
    store,
    directory: new Directory(options.workspace ?? testWorkspace()),
    clock: clock.now,
    testClock: clock,
    settings: { pendingCloseDays: 3, solvedCloseDays: 4, transferExpirySeconds: 120, timeZone: 'UTC' },
  };
}

/** Files a ticket as a customer would, one minute after the previous one (so "oldest first" is visible). */
export async function fileTicket(desk: Desk & { testClock?: TestClock }, overrides: Partial<NewTicket> = {}): Promise<Ticket> {
  desk.testClock?.advance(60_000);
  const result = await openTicket(
    desk,
    { subject: 'Card was charged twice', description: 'My card was declined and then charged twice.', requester: { kind: 'slack', userId: people.customer }, groupId: 10, ...overrides },
    { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
  );
  if (!result.ok) throw new Error(result.reason);
  return result.ticket;
}
