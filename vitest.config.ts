import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One database server for the whole run; every test file gets a database of its own on it.
    globalSetup: ['test/support/global-setup.ts'],
    // Every query the app sends in a file's tests must be served by a declared index (the file fails otherwise).
    // The second: a worker's databases are emptied when their stores close and reused (database.ts).
    setupFiles: ['test/support/index-coverage.ts', 'test/support/reuse-databases.ts'],
    pool: 'forks',
    // Two workers on two cores, not vitest's one (cores - 1): a test waits on the database server (other
    // processes) much of its time, and one worker left the second core idle through the run. On a
    // machine other work already keeps busy, TEST_WORKERS=1 npm test runs one file at a time again.
    maxWorkers: Number(process.env.TEST_WORKERS) || Math.max(2, availableParallelism() - 1),
    // A worker keeps the modules it loaded from one file to the next: the app is imported once per
    // worker instead of once per file (a third of the run was that). Each file still starts its own
    // app on a database of its own, so nothing a test sees is shared but code.
    isolate: false,
    // A test that starts processes (a replica it kills, an embedded server) shares the machine with the
    // other worker's file: on a busy machine such a test took over 30 s, its assertions all true.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
