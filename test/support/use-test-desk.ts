import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startTestDesk, type TestDesk, type TestDeskOptions } from './harness.js';

/**
 * The app for a file's (or a describe's) tests: started before the first, closed after the last, its
 * fake Slack's calls cleared before each test so a test reads only what it caused. The desk returned
 * can be named at once (in helpers, in `describe` bodies) and used from the first test on.
 *
 * Options are given as a function when they need something made first (a webhook receiver's url).
 */
export function useTestDesk(
  options: TestDeskOptions | (() => TestDeskOptions | Promise<TestDeskOptions>) = {},
): TestDesk {
  let started: TestDesk | undefined;
  beforeAll(async () => {
    started = await startTestDesk(typeof options === 'function' ? await options() : options);
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  beforeEach(() => started?.fake.clearCalls());
  return new Proxy({} as TestDesk, {
    get(_, property) {
      if (!started)
        throw new Error(`the test desk is used before its beforeAll started it (reading "${String(property)}")`);
      return Reflect.get(started, property);
    },
  });
}
