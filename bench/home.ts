import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { people, testWorkspace, workspaceChannels } from '../test/support/workspace.js';
import { SECRET } from './bare-bolt.js';
import { type BenchRow, row, seedTickets } from './take.js';

/**
 * App Home opens read from the Homes' read models (issue 29): the database reads each open sends,
 * counted, for an agent and a lead on a desk of BENCH_TICKETS tickets, with its time to the publish.
 * The count is the goal (at most 3, whatever the desk's size); the times move with the machine.
 */
const TICKETS = Number(process.env.BENCH_TICKETS ?? 1_000);
const OPENS = Number(process.env.BENCH_HOME_OPENS ?? 20);
const READS = new Set(['find', 'aggregate', 'count', 'getMore', 'distinct']);

export async function homeRows(store: Store): Promise<BenchRow[]> {
  await seedTickets(store, TICKETS, Math.min(500, TICKETS));
  const fake = await FakeSlack.start();
  fake.inviteBot(...workspaceChannels(testWorkspace()));
  const deskbolt = await startDeskbolt({
    config: {
      ...fakeSlackConfig(fake),
      slack: { signingSecret: SECRET, botToken: fake.token, appToken: undefined, apiUrl: fake.apiUrl },
    },
    workspace: testWorkspace(),
    store,
    log: () => undefined,
    schedule: false,
  });
  const slack = new SlackClientSim({ url: deskbolt.url, signingSecret: SECRET, fake });
  let peakRss = process.memoryUsage().rss;
  const rows: BenchRow[] = [];
  try {
    for (const [who, user] of [
      ['agent', people.ana],
      ['lead', people.lead],
    ] as const) {
      const times: number[] = [];
      let mostReads = 0;
      for (let index = 0; index < OPENS; index++) {
        let reads = 0;
        const stop = store.commands.watch((command) => {
          if (READS.has(command.name)) reads++;
        });
        const started = performance.now();
        await slack.event({ type: 'app_home_opened', user, tab: 'home' });
        await deskbolt.settled();
        times.push(performance.now() - started);
        stop();
        mostReads = Math.max(mostReads, reads);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      const perSecond = OPENS / (times.reduce((sum, ms) => sum + ms, 0) / 1000);
      rows.push(
        row(
          `App Home open (${who}, ${TICKETS / 1000}k tickets): ${mostReads} database reads (goal ≤ 3)`,
          times,
          perSecond,
          peakRss,
        ),
      );
    }
  } finally {
    await deskbolt.close();
    await fake.close();
  }
  return rows;
}
