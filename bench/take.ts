import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { requesterKey, ticketId } from '../src/store/tickets.js';
import { testWorkspace, workspaceChannels } from '../test/support/workspace.js';
import { SECRET, startBareBolt } from './bare-bolt.js';

export interface BenchRow {
  name: string;
  p50Ms: number;
  p99Ms: number;
  perSecond: number;
  peakRssMb: number;
}

const SEEDED_TICKETS = 10_000;
// FerretDB scans the collection for every query but an _id lookup, and a take's follow-up work (the
// duplicate check, the agent's home) queries by other fields: on the embedded server each take costs
// seconds of database time after its ack, so it gets fewer requests. MongoDB gets the full run.
const onMongo = Boolean(process.env.MONGODB_URI);
const SEQUENTIAL = Number(process.env.BENCH_TAKES ?? (onMongo ? 200 : 30));
const CONCURRENT = 10;
const CONCURRENT_ROUNDS = Number(process.env.BENCH_ROUNDS ?? (onMongo ? 20 : 3));

const agents = Array.from({ length: CONCURRENT }, (_, index) => ({
  user: `UBENCH${String(index).padStart(4, '0')}`,
  name: `Bench ${index}`,
  groups: [10],
}));

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

export function row(name: string, samples: number[], perSecond: number, peakRss: number): BenchRow {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    name,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    perSecond,
    peakRssMb: peakRss / 2 ** 20,
  };
}

/**
 * `count` tickets in Billing (10), #1001 the oldest, written straight into the collection: the first
 * `waiting` unassigned (the queue), the rest closed long ago (a desk's history), as a desk after a
 * year holds them. Without `waiting`, every one waits.
 */
export async function seedTickets(store: Store, count: number, waiting = count): Promise<void> {
  const now = Date.now();
  const batch = 1000;
  await store.models.Counter.updateOne({ _id: 'ticket' }, { $set: { seq: count } }, { upsert: true });
  for (let start = 0; start < count; start += batch) {
    const documents = Array.from({ length: Math.min(batch, count - start) }, (_, offset) => {
      const number = 1001 + start + offset;
      const at = new Date(now - (count - start - offset) * 1000);
      return {
        _id: ticketId(number),
        number,
        subject: `Seeded ticket ${number}`,
        description: '',
        requester: { kind: 'slack', userId: `UCUST${number}` },
        requesterKey: requesterKey({ kind: 'slack', userId: `UCUST${number}` }),
        status: start + offset < waiting ? 'new' : 'closed',
        assignee: start + offset < waiting ? null : 'UBENCHOLD',
        groupId: 10,
        priority: 'normal',
        form: {},
        channel: 'slack',
        source: { kind: 'api' },
        createdAt: at,
        updatedAt: at,
        pendingSince: null,
        solvedAt: null,
        closedAt: null,
        mergedInto: null,
        version: 1,
        outbox: [],
      };
    });
    await store.models.Ticket.collection.insertMany(documents as never[]);
  }
  // Written straight into the collection, as an import would: the read models are rebuilt, as after one.
  await store.rebuildReadModels();
}

/** p50/p99 of a signed `/ticket take` to its HTTP ack and to its last Web API call, and takes per second. */
export async function takeRows(store: Store): Promise<BenchRow[]> {
  await seedTickets(store, SEEDED_TICKETS);
  const fake = await FakeSlack.start();
  fake.inviteBot(...workspaceChannels(testWorkspace()));
  // No cron: a job run would compete with what is measured.
  const deskbolt = await startDeskbolt({
    config: {
      ...fakeSlackConfig(fake),
      slack: { signingSecret: SECRET, botToken: fake.token, appToken: undefined, apiUrl: fake.apiUrl },
    },
    workspace: testWorkspace({ agents }),
    store,
    log: () => undefined,
    schedule: false,
  });
  const slack = new SlackClientSim({ url: deskbolt.url, signingSecret: SECRET, fake });
  const bare = await startBareBolt(fake);
  const bareSlack = bare.slack;
  let peakRss = process.memoryUsage().rss;
  const sampleMemory = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

  // Oldest tickets are taken one by one: each request is one take of a ticket nobody has.
  let next = 1001;
  const toAck: number[] = [];
  const toLastCall: number[] = [];
  const bareAck: number[] = [];
  for (let index = 0; index < SEQUENTIAL; index++) {
    const agent = agents[index % agents.length]!.user;
    const started = performance.now();
    await slack.command(agent, '/ticket', `take ${next++}`);
    toAck.push(performance.now() - started);
    await deskbolt.settled();
    toLastCall.push(performance.now() - started);
    const bareStarted = performance.now();
    await bareSlack.command(agent, '/ticket', 'take 1');
    bareAck.push(performance.now() - bareStarted);
    sampleMemory();
  }

  const throughput = async (run: (agent: string) => Promise<unknown>, settle: () => Promise<void>) => {
    const started = performance.now();
    for (let round = 0; round < CONCURRENT_ROUNDS; round++) {
      await Promise.all(agents.map((agent) => run(agent.user)));
      sampleMemory();
    }
    await settle();
    return (CONCURRENT * CONCURRENT_ROUNDS) / ((performance.now() - started) / 1000);
  };
  const deskPerSecond = await throughput(
    (agent) => slack.command(agent, '/ticket', `take ${next++}`),
    () => deskbolt.settled(),
  );
  const barePerSecond = await throughput(
    (agent) => bareSlack.command(agent, '/ticket', 'take 1'),
    async () => undefined,
  );

  await deskbolt.close();
  await bare.close();
  await fake.close();
  return [
    row(`take: signed request → ack (${SEEDED_TICKETS / 1000}k tickets)`, toAck, deskPerSecond, peakRss),
    row('take: signed request → last Web API call', toLastCall, deskPerSecond, peakRss),
    row('bare Bolt app: signed request → ack', bareAck, barePerSecond, peakRss),
  ];
}
