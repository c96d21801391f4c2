import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/store/embedded.js';
import { autoCloseBench } from './auto-close.js';
import { withPeakRss, type BenchCase, type BenchRow } from './row.js';

/**
 * `npm run bench`: every row in `benchRows`, one after another on one database server, printed as
 * one table. A row is pluggable: a BenchCase that returns its timings; peak memory is measured here.
 * BENCH_ONLY=<part of a name> runs the matching rows only.
 */
const benchRows: BenchCase[] = [autoCloseBench()];

const MB = 1024 * 1024;

function table(rows: readonly BenchRow[]): string {
  const header = ['name', 'p50', 'p99', 'throughput', 'peak memory'];
  const cells = rows.map((row) => [
    row.name,
    row.p50Ms === null ? '–' : `${row.p50Ms.toFixed(1)} ms`,
    row.p99Ms === null ? '–' : `${row.p99Ms.toFixed(1)} ms`,
    row.throughput,
    `${Math.round(row.peakRssBytes / MB)} MB RSS`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => line[column]!.length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.toLowerCase();
  const selected = benchRows.filter((row) => !only || row.name.toLowerCase().includes(only));
  let embedded: EmbeddedDatabase | undefined;
  let mongodbUri = process.env.MONGODB_URI;
  if (!mongodbUri) {
    embedded = await startEmbeddedDatabase({ log: (line) => console.error(line) });
    mongodbUri = embedded.uri;
  }
  const rows: BenchRow[] = [];
  try {
    for (const bench of selected) {
      const { result, peakRssBytes } = await withPeakRss(() => bench.run({ mongodbUri: mongodbUri!, log: (line) => console.error(line) }));
      rows.push({ ...result, peakRssBytes });
    }
  } finally {
    await embedded?.stop();
  }
  console.log(table(rows));
}

main().catch((error: unknown) => {
  console.error(`bench failed: ${(error as Error).stack ?? error}`);
  process.exit(1);
});
