import { startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';
import { actionRows } from './actions.js';
import { autoCloseRows } from './auto-close.js';
import { chatRelayRows } from './chat-relay.js';
import { emailRows } from './email.js';
import { printGoals } from './goals.js';
import { homeRows } from './home.js';
import { slackLimitRows } from './slack-limits.js';
import { type BenchRow, takeRows } from './take.js';

/**
 * `npm run bench`: speed and memory of the hot paths, beside a bare Bolt app measured in the same
 * run so the ratio survives a noisy machine. Not part of the tests: nothing here passes or fails.
 */
type Suite = { name: string; run(store: Store): Promise<BenchRow[]>; onlyWhenNamed?: boolean };

const suites: Suite[] = [
  { name: 'actions', run: actionRows },
  { name: 'take', run: takeRows, onlyWhenNamed: true },
  { name: 'chat-relay', run: chatRelayRows },
  { name: 'auto-close', run: autoCloseRows },
  { name: 'email', run: emailRows },
  { name: 'slack-limits', run: slackLimitRows },
  { name: 'home', run: homeRows },
];

function printTable(rows: readonly BenchRow[]): void {
  const header = ['benchmark', 'p50 ms', 'p99 ms', 'per second', 'peak RSS MB'];
  const cells = rows.map((row) => [
    row.name,
    row.p50Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    row.perSecond.toFixed(0),
    row.peakRssMb.toFixed(0),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]) =>
    `| ${values.map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
  );
  for (const values of cells) console.log(line(values));
}

const wanted = process.argv.slice(2);
// Peak memory of this process (the app, the fake Slack and the bench share it), sampled through the run.
let peakRss = process.memoryUsage().rss;
const memorySampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
memorySampler.unref();
const database = process.env.MONGODB_URI
  ? undefined
  : await startEmbeddedDatabase({ log: (line) => console.error(line.split(';')[0]) });
const rows: BenchRow[] = [];
for (const suite of suites.filter(
  (entry) => (wanted.length === 0 && !entry.onlyWhenNamed) || wanted.includes(entry.name),
)) {
  const store = await Store.open({
    uri: process.env.MONGODB_URI ?? database!.uri,
    dbName: `deskbolt_bench_${suite.name}_${Date.now()}`,
  });
  try {
    rows.push(...(await suite.run(store)));
  } finally {
    await store.connection.dropDatabase();
    await store.close();
  }
}
await database?.stop();
clearInterval(memorySampler);
if (rows.length > 0) printTable(rows);
printGoals();
console.log(`\nPeak memory (RSS) of the bench process: ${(peakRss / 2 ** 20).toFixed(0)} MB.`);
console.log(
  'Counts (database commands, Web API calls) are exact; times move with the machine’s load, so read them against the bare app and the floor measured in the same run.',
);
