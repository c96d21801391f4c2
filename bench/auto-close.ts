import { DAY_MS } from '../src/clock.js';
import { EventDispatcher } from '../src/events/dispatcher.js';
import type { Store } from '../src/store/store.js';
import { requesterKey, ticketId } from '../src/store/tickets.js';
import { closeStalePending } from '../src/tickets/auto-close.js';
import type { Desk } from '../src/tickets/desk.js';
import { Directory } from '../src/workspace/directory.js';
import { workspaceSchema } from '../src/workspace/schema.js';
import { addGoal } from './goals.js';
import { type BenchRow, row } from './take.js';

const SEED_BATCH = 5_000;
const SWEEP_BATCH = 500;

/**
 * On MongoDB each write of the run is one index lookup. FerretDB v1 (SQLite) uses an index only for
 * an exact {_id: string} filter; the run's batch queries and conditional closes scan the collection,
 * so 100,000 tickets there would take hours: the embedded server gets a smaller backlog unless
 * BENCH_AUTO_CLOSE_TICKETS says otherwise.
 */
const ON_MONGODB = 100_000;

/**
 * FerretDB v1 writes every updated document in a transaction of its own, even within one bulk or
 * multi-document update (internal/handler/common/update.go: one UpdateAll a document), so a closed
 * ticket costs as many transactions as it has writes: two now (its close with its event in its
 * outbox, and the outbox emptied once the event is out; the note rides in the event and a batch's
 * notes are one insert), where it had three (a note mark set and cleared besides).
 */
const FERRETDB_WHY =
  'FerretDB v1 writes each updated document in a transaction of its own, and a closed ticket is written twice (its close with its outbox entry, its outbox emptied)';
const ON_FERRETDB = 1_000;

/**
 * The pending auto-close over a backlog of pending tickets: seeded straight into the collection,
 * then one run of the job's work, in batches of 500: each batch's conditional closes in one bulk
 * write, its events handed out together (their history and closing notes in one insert each, the
 * outboxes emptied in one bulk write).
 * p50/p99 are per batch (its close and notes; the hand-out overlaps the next batch); the run's
 * throughput includes the last hand-out. The database commands of the run are counted too.
 */
export async function autoCloseRows(store: Store): Promise<BenchRow[]> {
  const tickets = Number(process.env.BENCH_AUTO_CLOSE_TICKETS ?? (store.server.ferretDb ? ON_FERRETDB : ON_MONGODB));
  const server = store.server.ferretDb ? `FerretDB ${store.server.ferretDb}` : `MongoDB ${store.server.version}`;
  const log = (line: string) => console.error(line);
  const now = new Date('2026-11-09T09:00:00Z');
  await seedPending(store, tickets, new Date(now.getTime() - 4 * DAY_MS));
  log(`auto-close: seeded ${tickets} pending tickets`);
  const perBatch: number[] = [];
  let told = 0;
  const events = new EventDispatcher(store, log);
  events.subscribe({ name: 'bench counter', events: { auto_closed: async () => void told++ } });
  let commands = 0;
  // Ticket documents written (an update's statements, a findAndModify): the run's cost that bulk commands cannot share.
  let ticketWrites = 0;
  const stopCounting = store.commands.watch((command) => {
    commands++;
    if (command.collection !== 'tickets') return;
    if (command.name === 'update') ticketWrites += (command.body.updates as unknown[]).length;
    if (command.name === 'findAndModify') ticketWrites++;
  });
  const desk: Desk = {
    store,
    directory: new Directory(
      workspaceSchema.parse({ groups: [{ name: 'Billing', id: 10, alertChannel: 'CBILLALERT' }] }),
    ),
    clock: () => now,
    settings: { pendingCloseDays: 3, solvedCloseDays: 4, transferExpirySeconds: 120, timeZone: 'UTC' },
    events,
  };
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const started = performance.now();
  let batchStart = started;
  let batches = 0;
  try {
    const result = await closeStalePending(desk, now, {
      batchSize: SWEEP_BATCH,
      keepGoing: async () => {
        const at = performance.now();
        perBatch.push(at - batchStart);
        log(`auto-close: batch ${++batches} took ${Math.round(at - batchStart)} ms`);
        batchStart = at;
        return true;
      },
    });
    await events.settled();
    const elapsedMs = performance.now() - started;
    if (result.closed !== tickets || told !== tickets)
      throw new Error(`auto-close closed ${result.closed} and told ${told} of ${tickets}`);
    log(
      `auto-close: closed ${result.closed} in ${Math.round(elapsedMs)} ms, ${commands} database commands (${(commands / tickets).toFixed(3)} a ticket), ${ticketWrites} ticket writes (${(ticketWrites / tickets).toFixed(2)} a ticket)`,
    );
    addGoal({
      what: 'auto-close: writes of each closed ticket (its close with its outbox entry, its outbox emptied)',
      goal: 2,
      measured: ticketWrites / tickets,
      unit: '',
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    addGoal({
      what: `auto-close (${server}, ${tickets.toLocaleString('en-US')} pending)`,
      goal: 200,
      measured: result.closed / (elapsedMs / 1000),
      unit: 'tickets/s',
      atLeast: true,
      why: FERRETDB_WHY,
    });
    return [
      row(
        `auto-close run: ${tickets.toLocaleString('en-US')} pending tickets, per batch of ${SWEEP_BATCH} (${server})`,
        perBatch,
        result.closed / (elapsedMs / 1000),
        peakRss,
      ),
    ];
  } finally {
    stopCounting();
    clearInterval(sampler);
  }
}

/** Email requesters: the run stores each note but sends no Slack message, so Slack is not what is measured. */
async function seedPending(store: Store, count: number, pendingSince: Date): Promise<void> {
  for (let first = 0; first < count; first += SEED_BATCH) {
    const documents = [];
    for (let i = first; i < Math.min(count, first + SEED_BATCH); i++) {
      documents.push({
        _id: ticketId(1001 + i),
        number: 1001 + i,
        subject: `Invoice question ${i}`,
        description: 'Where is my invoice?',
        requester: { kind: 'email', email: `customer${i}@example.com`, name: `Customer ${i}` },
        requesterKey: requesterKey({ kind: 'email', email: `customer${i}@example.com`, name: `Customer ${i}` }),
        status: 'pending',
        assignee: 'UANA0001',
        groupId: 10,
        priority: 'normal',
        form: {},
        channel: 'email',
        source: { kind: 'api' },
        createdAt: pendingSince,
        updatedAt: pendingSince,
        pendingSince: new Date(pendingSince.getTime() + i),
        solvedAt: null,
        closedAt: null,
        mergedInto: null,
        version: 1,
        outbox: [],
      });
    }
    await store.models.Ticket.collection.insertMany(documents as never[], { ordered: false });
  }
  await store.models.Counter.updateOne({ _id: 'ticket' }, { $set: { seq: count } }, { upsert: true });
}
