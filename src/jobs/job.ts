import type { Log } from '../log.js';
import type { DeliverySenders } from '../tickets/deliveries.js';
import type { Desk } from '../tickets/desk.js';

/**
 * What a job run may use besides the desk: a log, its lease, and the senders of queued deliveries
 * (given by the composition root; a job never knows Slack). Who is told of what a job changed is the
 * subscribers' business, through `desk.events`.
 */
export interface JobContext {
  desk: Desk;
  log: Log;
  senders: DeliverySenders;
  /** Extends the run's lease; false means it was lost, and the run should stop where it is. */
  keepLease(): Promise<boolean>;
  /** Hands out again events a dead process left in ticket outboxes (older than `olderThan`). */
  redeliverLeftovers(olderThan: Date, limit: number): Promise<number>;
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
