import type { Config } from '../config.js';
import type { FakeSlack } from './server.js';

/** The signing secret the signed-request simulator and the app it drives share (tests, demo, bench, sandbox). */
export const SIGNING_SECRET = 'test-signing-secret-0123456789';

/** Signs stored files' download links in tests, the demo and the sandbox; a test mints a link with it to prove a forged one fails. */
export const FILE_LINK_SECRET = 'test-file-link-secret-0123456789abcdef';

/**
 * The app's settings against a fake Slack: for tests, the demo and the bench alike. Kept apart from
 * the harness because the demo and the bench run outside vitest.
 */
export function fakeSlackConfig(fake: FakeSlack, overrides: Partial<Config> = {}): Config {
  return {
    slack: { signingSecret: SIGNING_SECRET, botToken: fake.token, appToken: undefined, apiUrl: fake.apiUrl },
    port: 0,
    mongodbUri: undefined,
    dataDir: './data',
    workspaceFile: 'examples/workspace.yml',
    pendingCloseDays: 3,
    solvedCloseDays: 4,
    transferExpirySeconds: 120,
    timeZone: 'UTC',
    logLevel: 'error',
    fileLinkSecret: FILE_LINK_SECRET,
    ...overrides,
  };
}

/** The same settings in Socket Mode: the app connects to the fake with its app-level token. */
export function fakeSlackSocketConfig(fake: FakeSlack, overrides: Partial<Config> = {}): Config {
  const config = fakeSlackConfig(fake, overrides);
  return { ...config, slack: { ...config.slack, appToken: fake.appToken } };
}
