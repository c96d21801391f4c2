import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { MINUTE_MS } from '../clock.js';
import { withLogContext } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Desk } from '../tickets/desk.js';
import type { Job, JobContext } from './job.js';

const DEFAULT_HOLD_MS = 10 * MINUTE_MS;

/** Names this replica in lease documents; two apps in one process are two replicas. */
export function replicaId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface JobRunner {
  readonly owner: string;
  /**
   * Runs `job` now if this replica gets its lease; `{ran: false}` when another replica holds it.
   * Tests call this directly with the TestClock instead of waiting for cron.
   */
  run(job: Job): Promise<{ ran: boolean; result?: unknown }>;
}

export function jobRunner(
  desk: Desk,
  tools: Pick<JobContext, 'log' | 'senders' | 'redeliverLeftovers'>,
  metrics?: Metrics,
  owner = replicaId(),
): JobRunner {
  const { log } = tools;
  return {
    owner,
    async run(job) {
      const holdMs = job.holdMs ?? DEFAULT_HOLD_MS;
      const now = desk.clock();
      if (!(await desk.store.leases.acquire(job.name, owner, now, holdMs))) {
        metrics?.jobRun(job.name, 'skipped', 0);
        return { ran: false };
      }
      const started = performance.now();
      let outcome: 'ok' | 'failed' = 'failed';
      try {
        const result = await withLogContext({ job: job.name }, () =>
          job.run(desk, now, {
            ...tools,
            desk,
            keepLease: () => desk.store.leases.renew(job.name, owner, desk.clock(), holdMs),
          }),
        );
        outcome = 'ok';
        return { ran: true, result };
      } finally {
        metrics?.jobRun(job.name, outcome, performance.now() - started);
        // A failed release leaves the lease to expire, which is the same as a crash: safe.
        await desk.store.leases
          .release(job.name, owner)
          .catch((error: unknown) => log(`jobs: ${job.name}: releasing the lease failed`, error));
      }
    },
  };
}
