import { relative } from 'node:path';
import { afterAll } from 'vitest';
import { watchCommandsOfEveryStore } from '../../src/store/command-watch.js';
import { describeShape, type QueryShape, queryShapes, servingIndex, shapeKey } from '../../src/store/query-shapes.js';

/**
 * Loaded before every test file (vitest.config.ts setupFiles): records the shape of every query the
 * app sends while the file's tests run and, when they are done, fails the file if a query no
 * declared index serves was sent — so an unindexed query fails CI instead of scanning a production
 * desk. Queries written in the tests themselves (a test counting what it filed) are not the app's
 * and are left out: the sender is read from the stack, whose first frame in this repository names it.
 */
interface Unserved {
  shape: QueryShape;
  sender: string;
}

const root = new URL('../..', import.meta.url).pathname;
const unserved = new Map<string, Unserved>();

/** The first frame of this repository's own code (not node_modules) on the stack of a command being sent. */
function senderOf(stack: string): string | null {
  for (const line of stack.split('\n').slice(1)) {
    const path = /\(?(?:file:\/\/)?(\/[^():]+):(\d+):\d+\)?$/.exec(line.trim());
    if (!path || !path[1]!.startsWith(root) || path[1]!.includes('/node_modules/')) continue;
    const file = relative(root, path[1]!);
    if (file.startsWith('test/support/index-coverage') || file === 'src/store/command-watch.ts') continue;
    return `${file}:${path[2]}`;
  }
  return null;
}

// Stopped when the file's tests are done: a worker that runs several files (isolate: false) starts a new one each file.
const stopWatching = watchCommandsOfEveryStore((command, source) => {
  const shapes = queryShapes(command);
  if (shapes.length === 0) return;
  const indexes = source.declaredIndexes();
  for (const shape of shapes) {
    if (servingIndex(shape, indexes.get(shape.collection) ?? []) !== null) continue;
    const key = shapeKey(shape);
    if (unserved.has(key)) continue;
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 60;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    const sender = senderOf(stack) ?? 'unknown';
    if (sender.startsWith('test/')) continue;
    unserved.set(key, { shape, sender });
  }
});

afterAll(() => {
  stopWatching();
  if (unserved.size === 0) return;
  const lines = [...unserved.values()].map(({ shape, sender }) => `  ${describeShape(shape)}   sent from ${sender}`);
  unserved.clear();
  throw new Error(
    `Queries no declared index serves (equality fields first, then the sort, then ranges):\n${lines.join('\n')}\n` +
      'Declare an index for each in the store, or change the query (see src/store/query-shapes.ts).',
  );
});
