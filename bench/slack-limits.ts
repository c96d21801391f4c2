import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { confirmBulkMove, planBulkMove } from '../src/tickets/bulk-move.js';
import { openTicket } from '../src/tickets/intake.js';
import { people, testWorkspace, workspaceChannels } from '../test/support/workspace.js';
import { SECRET } from './bare-bolt.js';
import { addGoal } from './goals.js';
import { type BenchRow, row } from './take.js';

const BURST = 50;

/**
 * Slack's time, for the fake's rate limiter and the app's Retry-After waits alike: real time plus every
 * wait skipped. A wait is not slept: once nothing else has happened for a moment, the clock jumps to
 * the earliest waiter. So the run shows how long the bursts take at Slack's pace without the bench
 * sitting through it.
 */
class SlackTime {
  private skipped = 0;
  private readonly waiters: { until: number; wake: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  readonly now = (): number => Date.now() + this.skipped;

  readonly sleep = (ms: number): Promise<void> =>
    new Promise((wake) => {
      this.waiters.push({ until: this.now() + ms, wake });
      this.schedule();
    });

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const earliest = Math.min(...this.waiters.map((waiter) => waiter.until));
      if (!Number.isFinite(earliest)) return;
      this.skipped += Math.max(0, earliest - this.now());
      const due = this.waiters.filter((waiter) => waiter.until <= this.now());
      for (const waiter of due) this.waiters.splice(this.waiters.indexOf(waiter), 1);
      for (const waiter of due) waiter.wake();
      if (this.waiters.length > 0) this.schedule();
    }, 5);
  }
}

/**
 * Issue 25: a burst of 50 Home publishes and a bulk hand-over of 50 tickets, with the fake holding every
 * call to Slack's limits (Tier 3 chat.update, Tier 4 views.publish, one post a second per channel).
 * Times are in Slack's time (waits included); what matters is that nothing is dropped.
 */
export async function slackLimitRows(store: Store): Promise<BenchRow[]> {
  const time = new SlackTime();
  const fake = await FakeSlack.start();
  const workspace = testWorkspace();
  fake.inviteBot(...workspaceChannels(workspace));
  const deskbolt = await startDeskbolt({
    config: {
      ...fakeSlackConfig(fake),
      slack: { signingSecret: SECRET, botToken: fake.token, appToken: undefined, apiUrl: fake.apiUrl },
    },
    workspace,
    store,
    log: () => undefined,
    schedule: false,
    sleep: time.sleep,
  });
  const slack = new SlackClientSim({ url: deskbolt.url, signingSecret: SECRET, fake });
  const desk = deskbolt.desk;
  const rows: BenchRow[] = [];
  try {
    // 50 tickets of Cho's, filed before the limits are on.
    const numbers: number[] = [];
    for (let i = 0; i < BURST; i++) {
      const filed = await openTicket(
        desk,
        {
          subject: `Bench ticket ${i}`,
          description: 'Charged twice',
          requester: { kind: 'slack', userId: people.customer },
          groupId: 10,
        },
        { actor: { kind: 'requester', id: people.customer }, channel: 'slack', source: { kind: 'dm' } },
      );
      if (!filed.ok) throw new Error(filed.code);
      await store.tickets.change(filed.ticket.number, {}, { assignee: people.cho, status: 'open' }, [], desk.clock());
      numbers.push(filed.ticket.number);
    }
    await deskbolt.settled();
    fake.clearCalls();
    fake.enforceRateLimits(time.now);

    // A burst of Home publishes: 50 people open their Home at once.
    let start = time.now();
    const users = Array.from({ length: BURST }, (_, i) => `U0BHOME${String(i).padStart(3, '0')}`);
    const publishedAt: number[] = [];
    await Promise.all(
      users.map(async (user) => {
        await slack.event({ type: 'app_home_opened', user, tab: 'home' });
      }),
    );
    await deskbolt.settled();
    for (const user of users) if (fake.homeView(user)) publishedAt.push(time.now() - start);
    const homeSeconds = (time.now() - start) / 1000;
    const homeLimited = fake.calls('views.publish').filter((call) => call.status === 429).length;
    rows.push(
      row(
        `Slack limits: ${BURST} Home publishes (Slack time, ${homeLimited} answered 429)`,
        publishedAt,
        publishedAt.length / Math.max(homeSeconds, 0.001),
        process.memoryUsage().rss,
      ),
    );
    addGoal({
      what: `Home publishes dropped in a burst of ${BURST}`,
      goal: 0,
      measured: BURST - publishedAt.length,
      unit: '',
    });

    // A bulk hand-over of Cho's 50 tickets to Ben: 50 live messages updated, 50 thread lines in one channel.
    fake.clearCalls();
    start = time.now();
    const plan = await planBulkMove(desk, { by: people.lead, from: people.cho, to: people.ben });
    if (!plan.ok) throw new Error(plan.code);
    const done = await confirmBulkMove(desk, { moveId: plan.move.id, by: people.lead });
    if (!done.ok) throw new Error(done.code);
    await deskbolt.settled();
    const handOverSeconds = (time.now() - start) / 1000;
    let undelivered = 0;
    for (const number of numbers)
      undelivered += (await store.deliveries.ofTicket(number)).filter(
        (delivery) => delivery.state !== 'delivered',
      ).length;
    const updated = new Set(fake.okCalls('chat.update').map((call) => call.args.ts)).size;
    const limited = fake.calls().filter((call) => call.status === 429).length;
    const samples = fake.okCalls('chat.update').map(() => handOverSeconds * 1000);
    rows.push(
      row(
        `Slack limits: bulk hand-over of ${BURST} (Slack time ${handOverSeconds.toFixed(0)} s, ${updated} live messages updated, ${limited} answered 429)`,
        samples.length ? samples : [0],
        updated / Math.max(handOverSeconds, 0.001),
        process.memoryUsage().rss,
      ),
    );
    addGoal({
      what: `Slack messages of a ${BURST}-ticket bulk hand-over not delivered`,
      goal: 0,
      measured: undelivered + (BURST - updated),
      unit: '',
    });
  } finally {
    await deskbolt.close();
    await fake.close();
  }
  return rows;
}
