/** One line of `npm run bench`'s table. Times are in ms; null where the row has no per-request timing. */
export interface BenchRow {
  name: string;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Already formatted with its unit, e.g. "1,234 tickets/s". */
  throughput: string;
  /** The highest resident set size seen while the row ran, in bytes. */
  peakRssBytes: number;
}

export interface BenchContext {
  /** A MongoDB-protocol server the row may create its own database on. */
  mongodbUri: string;
  log(line: string): void;
}

/** A row of the bench table: added by appending it to `benchRows` in bench/bench.ts. */
export interface BenchCase {
  name: string;
  run(context: BenchContext): Promise<Omit<BenchRow, 'peakRssBytes'>>;
}

export function percentile(samples: readonly number[], p: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Samples RSS every few ms while `work` runs: the peak of that row, not of the whole process's life. */
export async function withPeakRss<T>(work: () => Promise<T>): Promise<{ result: T; peakRssBytes: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, peakRssBytes: peak };
  } finally {
    clearInterval(timer);
  }
}
