import type { WebClient } from '@slack/web-api';
import type { Log } from '../slack/notify.js';
import type { Desk } from '../tickets/desk.js';

/** What a job run may use besides the desk: Slack to tell people, a log, and its lease. */
export interface JobContext {
  desk: Desk;
  client: WebClient;
  log: Log;
  /** Extends the run's lease; false means it was lost, and the run should stop where it is. */
  keepLease(): Promise<boolean>;
}

/**
 * One time-driven piece of work. Adding a job is one entry in `deskJobs`: a name (also its lease's
 * id), a cron schedule read in the desk's time zone, and what a run does. A run works in bounded
 * batches and leaves the rest for the next tick, so it must be safe to stop anywhere.
 */
export interface Job {
  name: string;
  schedule: string;
  /** How long a run may hold the lease before another replica may take over (renewed between batches). */
  holdMs?: number;
  run(desk: Desk, now: Date, context: JobContext): Promise<unknown>;
}
