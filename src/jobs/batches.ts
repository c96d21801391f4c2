import type { JobContext } from './job.js';

const BATCH = 1000;
const MAX_BATCHES = 50;

/**
 * Deletes in bounded batches until one comes back short, the run's share is done, or the lease is
 * lost; whatever is left waits for the next tick. Returns how many were deleted.
 */
export async function forgetInBatches(
  forget: (limit: number) => Promise<number>,
  context: Pick<JobContext, 'keepLease'>,
): Promise<number> {
  let forgotten = 0;
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const deleted = await forget(BATCH);
    forgotten += deleted;
    if (deleted < BATCH || !(await context.keepLease())) break;
  }
  return forgotten;
}
