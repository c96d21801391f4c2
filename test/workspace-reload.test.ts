import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { SIGNING_SECRET } from '../src/fake-slack/config.js';
import { workspaceSchema } from '../src/workspace/schema.js';
import { testDatabaseName } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

const admin = 'UADMIN08';
const dee = 'UDEE0009';

/** The workspace file as an admin writes it: Billing (10) and PayOps (20), Ana in Billing, an admin. */
function fileContents(changes: { agents?: object[]; groups?: object[] } = {}): Record<string, unknown> {
  return {
    name: 'Acme Support',
    groups: changes.groups ?? [
      { name: 'Billing', id: 10, alertChannel: channels.billingAlerts },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
    agents: [
      { user: admin, name: 'Ada', groups: [10, 20], role: 'admin' },
      { user: people.ana, name: 'Ana', groups: [10] },
      ...(changes.agents ?? []),
    ],
    chat: { defaultGroup: 10 },
  };
}

let desk: TestDesk | undefined;
let dir: string | undefined;

afterEach(async () => {
  await desk?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  desk = undefined;
  dir = undefined;
});

async function deskOnFile(
  options: { watch?: boolean; debounceMs?: number } = {},
): Promise<{ desk: TestDesk; path: string }> {
  dir = await mkdtemp(join(tmpdir(), 'deskbolt-reload-'));
  const path = join(dir, 'workspace.yml');
  const contents = fileContents();
  await writeFile(path, stringify(contents));
  desk = await startTestDesk({ workspace: workspaceSchema.parse(contents), workspaceFile: { path, ...options } });
  return { desk, path };
}

async function lastAnswer(desk: TestDesk, user: string, text: string): Promise<string> {
  await desk.slack.command(user, '/ticket', text);
  await desk.settled();
  return desk.fake.responses().at(-1)!.body.text as string;
}

describe('changing the workspace file while the desk runs', () => {
  it('lets an agent added to the file take a ticket once the saved file is reloaded, with no restart', async () => {
    const { desk, path } = await deskOnFile({ watch: true, debounceMs: 100 });
    const ticket = await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock });
    expect(await lastAnswer(desk, dee, 'next')).not.toMatch(/^You took/);

    await writeFile(path, stringify(fileContents({ agents: [{ user: dee, name: 'Dee', groups: [10] }] })));
    await vi.waitFor(() => expect(desk.deskbolt.desk.directory.agent(dee)?.name).toBe('Dee'), { timeout: 10_000 });

    expect(await lastAnswer(desk, dee, 'next')).toBe(`You took #${ticket.number}.`);
    expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(dee);
  });

  it('keeps the running workspace when the edit is invalid, and tells the admins what is wrong and where', async () => {
    const { desk, path } = await deskOnFile();
    await writeFile(path, stringify(fileContents({ agents: [{ user: 'not-a-user', name: 'Dee', groups: [10] }] })));

    const answer = await lastAnswer(desk, admin, 'admin reload');
    expect(answer).toContain('Not reloaded');
    expect(answer).toContain('agents[2].user: expected a Slack user id such as U012ABCDEF');
    const told = desk.fake.dmsTo(admin).at(-1)!.args.text as string;
    expect(told).toContain('was not reloaded');
    expect(told).toContain('agents[2].user: expected a Slack user id such as U012ABCDEF');
    expect(desk.deskbolt.desk.directory.workspace.agents.map((agent) => agent.user)).toEqual([admin, people.ana]);

    await writeFile(path, 'groups: [');
    const broken = await desk.deskbolt.workspace!.reload('test');
    expect(broken.ok).toBe(false);
    expect(desk.fake.dmsTo(admin).at(-1)!.args.text).toContain('(file): not valid YAML');
    expect(desk.deskbolt.desk.directory.groups().map((group) => group.id)).toEqual([10, 20]);
  });

  it('refuses to remove every group, or to change an id, while their tickets are not closed, naming the tickets', async () => {
    const { desk, path } = await deskOnFile();
    const ticket = await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }, { groupId: 20 });

    await writeFile(path, stringify({ ...fileContents(), groups: [] }));
    const none = await desk.deskbolt.workspace!.reload('test');
    expect(none.ok ? [] : none.problems).toContain('groups: Too small: expected array to have >=1 items');

    const renamed = fileContents({
      groups: [
        { name: 'Billing', id: 10, alertChannel: channels.billingAlerts },
        { name: 'PayOps', id: 21, alertChannel: channels.payopsAlerts },
      ],
    });
    (renamed.agents as { groups: number[] }[])[0]!.groups = [10, 21];
    await writeFile(path, stringify(renamed));
    const outcome = await desk.deskbolt.workspace!.reload('test');
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.problems).toEqual([
      expect.stringContaining(
        `groups[1]: group 20 (PayOps) is gone from the file but still has tickets that are not closed: #${ticket.number}`,
      ),
    ]);
    expect(desk.fake.dmsTo(admin).at(-1)!.args.text).toContain(`#${ticket.number}`);
    expect(desk.deskbolt.desk.directory.group(20)?.name).toBe('PayOps');

    await desk.store.models.Ticket.updateOne({ number: ticket.number }, { $set: { status: 'closed' } });
    expect((await desk.deskbolt.workspace!.reload('test')).ok).toBe(true);
    expect(desk.deskbolt.desk.directory.group(21)?.name).toBe('PayOps');
  });

  it('accepts an agent removed while holding tickets, which stay in their group, and says which', async () => {
    const { desk, path } = await deskOnFile();
    await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock });
    expect(await lastAnswer(desk, people.ana, 'next')).toMatch(/^You took/);

    const without = fileContents();
    without.agents = (without.agents as { user: string }[]).filter((agent) => agent.user !== people.ana);
    await writeFile(path, stringify(without));
    const outcome = await desk.deskbolt.workspace!.reload('test');
    expect(outcome).toEqual({
      ok: true,
      notes: [expect.stringContaining('Ana is no longer an agent and still holds 1 ticket(s)')],
    });
    expect(desk.fake.dmsTo(admin).at(-1)!.args.text).toContain('Ana is no longer an agent');
    expect(desk.deskbolt.desk.directory.agent(people.ana)).toBeUndefined();
  });

  it('reloads a storm of 100 saves in a second once, ending on the last save', async () => {
    const { desk, path } = await deskOnFile({ watch: true, debounceMs: 400 });
    for (let save = 0; save < 100; save++)
      await writeFile(path, stringify({ ...fileContents(), name: `Acme ${save}` }));
    await vi.waitFor(() => expect(desk.deskbolt.workspace!.reloads).toBeGreaterThan(0), { timeout: 10_000 });
    await desk.deskbolt.workspace!.idle();
    expect(desk.deskbolt.workspace!.reloads).toBe(1);
    expect(desk.deskbolt.desk.directory.workspace.name).toBe('Acme 99');
    // Never a file read half-written: no admin heard of a refused reload.
    expect(desk.fake.dmsTo(admin).map((dm) => String(dm.args.text))).not.toContainEqual(
      expect.stringContaining('was not reloaded'),
    );
  });

  it('keeps out an edit that removes every group, and tells the admins', async () => {
    const { desk, path } = await deskOnFile();
    await writeFile(path, stringify({ ...fileContents(), groups: [] }));
    const answer = await lastAnswer(desk, admin, 'admin reload');
    expect(answer).toContain('Not reloaded');
    const told = desk.fake.dmsTo(admin).at(-1)!.args.text as string;
    expect(told).toContain('was not reloaded');
    // Escaped for mrkdwn, where Slack shows it as ">=".
    expect(told).toContain('groups: Too small: expected array to have &gt;=1 items');
    expect(desk.deskbolt.desk.directory.groups().map((group) => group.id)).toEqual([10, 20]);
  });
});

describe("SIGHUP to a running deskbolt (npm start's own process)", () => {
  it('re-reads the workspace file, keeps running, and keeps out an invalid edit with admins told', {
    timeout: 120_000,
  }, async () => {
    const fake = await startTestFake();
    dir = await mkdtemp(join(tmpdir(), 'deskbolt-sighup-'));
    const path = join(dir, 'workspace.yml');
    await writeFile(path, stringify(fileContents()));
    const child = spawn(process.execPath, ['--enable-source-maps', inject('processScripts').main], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SLACK_BOT_TOKEN: fake.token,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        SLACK_APP_TOKEN: '',
        PORT: '0',
        LOG_LEVEL: 'info',
        WORKSPACE_FILE: path,
        MONGODB_URI: `${inject('mongodbUri').replace(/\/$/, '')}/${testDatabaseName('sighup')}`,
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    const said = (text: string) =>
      vi.waitFor(
        () => {
          if (exited) throw new Error(`deskbolt exited; it said:\n${output}`);
          expect(output).toContain(text);
        },
        { timeout: 60_000, interval: 50 },
      );
    try {
      await said('deskbolt: listening on port');
      child.kill('SIGHUP');
      await said(`workspace: reloaded ${path} (SIGHUP received)`);

      await writeFile(path, stringify(fileContents({ agents: [{ user: 'not-a-user', name: 'Dee', groups: [10] }] })));
      child.kill('SIGHUP');
      await said(`workspace: kept the running workspace; ${path} has 1 problem(s) (SIGHUP received)`);
      await vi.waitFor(
        () =>
          expect(fake.dmsTo(admin).map((dm) => String(dm.args.text))).toContainEqual(
            expect.stringContaining('agents[2].user: expected a Slack user id such as U012ABCDEF'),
          ),
        { timeout: 30_000 },
      );
      expect(exited).toBe(false);
    } finally {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await gone;
      }
      await fake.close();
    }
  });
});
