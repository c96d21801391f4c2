import { type SandboxDesk, startSandboxDesk } from '../../src/sandbox/desk.js';
import { mountSandboxPage } from '../../src/sandbox/routes.js';
import type { Store } from '../../src/store/store.js';
import { loadWorkspaceFile } from '../../src/workspace/loader.js';
import { TestClock } from './clock.js';
import { openTestStore } from './database.js';

export interface TestSandbox {
  store: Store;
  sandbox: SandboxDesk;
  /** Stops the sandbox and drops its database. */
  close(): Promise<void>;
}

/**
 * The sandbox as `npm start` serves it without Slack tokens: the example workspace, its page mounted,
 * on loopback and a free port, on a database of its own; jobs run only when a test runs them.
 */
export async function startTestSandbox(
  label: string,
  log: (line: string) => void = () => undefined,
): Promise<TestSandbox> {
  const workspace = await loadWorkspaceFile('examples/workspace.yml');
  if (!workspace.ok) throw new Error(workspace.problems.join('\n'));
  const store = await openTestStore(label);
  const sandbox = await startSandboxDesk({
    store,
    workspace: workspace.workspace,
    port: 0,
    host: '127.0.0.1',
    schedule: false,
    clock: new TestClock().now,
    log,
    routes: mountSandboxPage,
  });
  return {
    store,
    sandbox,
    async close() {
      await sandbox.close();
      await store.connection.dropDatabase();
      await store.close();
    },
  };
}
