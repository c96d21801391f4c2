import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startModeOf } from '../src/config.js';

/** No Slack token means the sandbox, unless a Slack setting says the operator meant production. */
describe('which deskbolt starts', () => {
  it('the sandbox with no Slack setting at all; Slack with a bot token', () => {
    expect(startModeOf({})).toEqual({ mode: 'sandbox' });
    expect(startModeOf({ SLACK_BOT_TOKEN: '' })).toEqual({ mode: 'sandbox' });
    expect(startModeOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual({ mode: 'slack' });
  });

  it('refuses an empty SLACK_BOT_TOKEN beside any Slack setting, naming the missing variable and the one that is set', () => {
    expect(startModeOf({ SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: 'mounted' })).toEqual({
      mode: 'refuse',
      problem: expect.stringMatching(/^SLACK_BOT_TOKEN: empty, but SLACK_SIGNING_SECRET is set/),
    });
    expect(startModeOf({ SLACK_APP_TOKEN: 'xapp-1' })).toMatchObject({
      mode: 'refuse',
      problem: expect.stringMatching(/^SLACK_BOT_TOKEN: not set, but SLACK_APP_TOKEN is set/),
    });
    expect(startModeOf({ SLACK_API_URL: 'https://slack.example/api/' })).toMatchObject({ mode: 'refuse' });
  });

  it('src/main.ts with SLACK_BOT_TOKEN="" and SLACK_SIGNING_SECRET set exits 1 before touching the workspace file or the data dir', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH,
        SLACK_BOT_TOKEN: '',
        SLACK_SIGNING_SECRET: 'a-secret-that-mounted',
        WORKSPACE_FILE: '/nonexistent/workspace.yml',
        DATA_DIR: '/nonexistent/data',
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('deskbolt: cannot start: SLACK_BOT_TOKEN: empty, but SLACK_SIGNING_SECRET is set');
    expect(run.stdout).not.toContain('sandbox');
  });
});
