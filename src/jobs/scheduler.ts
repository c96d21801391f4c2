import cron, { type ScheduledTask } from 'node-cron';
import type { Log } from '../log.js';
import type { Job } from './job.js';
import type { JobRunner } from './runner.js';

export interface Schedules {
  stop(): Promise<void>;
}

/**
 * Every job on its cron schedule in the desk's time zone. Every replica schedules every job; the
 * lease decides which one runs a tick. A run still going when the next tick comes is not doubled.
 */
export function scheduleJobs(jobs: readonly Job[], runner: JobRunner, timeZone: string, log: Log): Schedules {
  const inFlight = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      () => {
        const run = runner
          .run(job)
          .catch((error: unknown) => log(`jobs: ${job.name} failed: ${(error as Error).message}`, error));
        inFlight.add(run);
        void run.finally(() => inFlight.delete(run));
        return run;
      },
      { name: `deskbolt:${job.name}:${runner.owner}`, timezone: timeZone, noOverlap: true },
    ),
  );
  return {
    async stop() {
      for (const task of tasks) await task.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}
