/**
 * One deskbolt replica in a process of its own, for tests that kill it with SIGKILL: the real app
 * (loadConfig, Store.open, startDeskbolt) on the database the test names, talking to the test's fake
 * Slack over loopback. It is steered over stdio, one JSON line each way:
 *
 *   env  DESKBOLT_TEST_DB_NAME          the database (on MONGODB_URI, the suite's server)
 *        DESKBOLT_TEST_CLOCK            the app's clock starts here and moves only when told
 *        DESKBOLT_TEST_PAUSE_AT         `merge:told`, `merge:told#12`, `transfer:chat-moved`, …: when a workflow has
 *                                       recorded that step, say so and stop there, waiting to be killed
 *                                       (also settable later: {"pauseAt": …})
 *        DESKBOLT_TEST_CONDITIONAL_WRITES  the store's branch (in-filter | read-check-write)
 *   out  {"ready": {"url"}} · {"paused": {"workflow","step","ticket"}} · {"job": NAME, "ran", "result"} · {"set": …}
 *   in   {"run": "finish-merges"} (runs a job under its lease, then waits until its notifiers are done)
 *        {"settle": true} (answers {"settled": true} once every request's work so far is done)
 *        {"clock": ISO} · {"pauseAt": "merge:copied"}
 *
 * The pause is a hook passed in through startDeskbolt's options (Desk.checkpoint), never a path of
 * production code: without DESKBOLT_TEST_PAUSE_AT nothing waits.
 */
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { startDeskbolt } from '../../src/deskbolt.js';
import { deskJob } from '../../src/jobs/desk-jobs.js';
import { Store } from '../../src/store/store.js';
import type { ConditionalWrites } from '../../src/store/tickets.js';
import type { Checkpoint } from '../../src/tickets/desk.js';
import { PROTOCOL_PREFIX } from './process-protocol.js';
import { testWorkspace } from './workspace.js';

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${PROTOCOL_PREFIX}${JSON.stringify(message)}\n`);
}

async function main(): Promise<void> {
  const loaded = loadConfig(process.env);
  if (!loaded.ok) throw new Error(loaded.problems.join('; '));
  const dbName = process.env.DESKBOLT_TEST_DB_NAME;
  if (!dbName || !loaded.config.mongodbUri) throw new Error('DESKBOLT_TEST_DB_NAME and MONGODB_URI are needed');
  let now = new Date(process.env.DESKBOLT_TEST_CLOCK ?? Date.now());
  let pauseAt = process.env.DESKBOLT_TEST_PAUSE_AT ?? '';
  const conditionalWrites = process.env.DESKBOLT_TEST_CONDITIONAL_WRITES as ConditionalWrites | undefined;

  const store = await Store.open({
    uri: loaded.config.mongodbUri,
    dbName,
    ...(conditionalWrites ? { conditionalWrites } : {}),
  });
  const deskbolt = await startDeskbolt({
    config: loaded.config,
    workspace: testWorkspace(),
    store,
    clock: () => new Date(now),
    log: (line, error) =>
      process.stderr.write(`${line}${error ? ` ${(error as Error).stack ?? String(error)}` : ''}\n`),
    schedule: false,
    async checkpoint(reached: Checkpoint) {
      const here = `${reached.workflow}:${reached.step}`;
      // `merge:marked#12`: that step of that ticket only (a merge of several sources reaches each step once per source).
      if (pauseAt !== here && pauseAt !== `${here}#${reached.ticket}`) return;
      say({ paused: reached });
      // Stopped here for good: the test kills this process with SIGKILL.
      await new Promise<never>(() => {});
    },
  });
  say({ ready: { url: deskbolt.url } });

  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const command = JSON.parse(line) as { run?: string; clock?: string; pauseAt?: string; settle?: boolean };
    if (command.settle) {
      await deskbolt.settled();
      say({ settled: true });
    } else if (command.clock !== undefined) {
      now = new Date(command.clock);
      say({ set: { clock: now.toISOString() } });
    } else if (command.pauseAt !== undefined) {
      pauseAt = command.pauseAt;
      say({ set: { pauseAt } });
    } else if (command.run) {
      const run = await deskbolt.jobs.run(deskJob(command.run));
      await deskbolt.settled();
      say({ job: command.run, ...run });
    }
  }
  await deskbolt.close();
  await store.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`deskbolt test process failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
