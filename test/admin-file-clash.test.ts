import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { addToGroup, createManaged, retireManaged } from '../src/tickets/desk-admin.js';
import { workspaceSchema } from '../src/workspace/schema.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { channels, people } from './support/workspace.js';

const admin = 'UADMIN08';
const dee = 'UDEE0009';

function fileContents(macros: object[] = [], articles: object[] = []): Record<string, unknown> {
  return {
    name: 'Acme Support',
    groups: [
      { name: 'Billing', id: 10, alertChannel: channels.billingAlerts },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
    agents: [
      { user: admin, name: 'Ada', groups: [10, 20], role: 'admin' },
      { user: people.ana, name: 'Ana', groups: [10] },
    ],
    macros,
    articles,
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

/** Which source wins when the workspace file and Slack name the same macro or article: the file. */
describe('the workspace file beside what admins manage from Slack', () => {
  it('reports on reload a name the file now shares with a macro or article from Slack, and offers the file’s', async () => {
    dir = await mkdtemp(join(tmpdir(), 'deskbolt-admin-clash-'));
    const path = join(dir, 'workspace.yml');
    await writeFile(path, stringify(fileContents()));
    desk = await startTestDesk({ workspace: workspaceSchema.parse(fileContents()), workspaceFile: { path } });
    const running = desk.deskbolt.desk;
    expect((await createManaged(running, 'macro', admin, { name: 'Late parcel', text: 'From Slack.' })).ok).toBe(true);
    const article = await createManaged(running, 'article', admin, {
      title: 'VPN',
      url: 'https://wiki.example.com/vpn',
    });
    expect(article.ok).toBe(true);
    expect((await addToGroup(running, admin, { user: dee, groupId: 20, name: 'Dee' })).ok).toBe(true);
    expect(running.directory.workspace.macros.map((macro) => macro.text)).toEqual(['From Slack.']);

    await writeFile(
      path,
      stringify(
        fileContents(
          [{ name: 'LATE PARCEL', text: 'From the file.' }],
          [{ title: 'vpn', url: 'https://intranet.example.com/vpn' }],
        ),
      ),
    );
    await desk.slack.command(admin, '/ticket', 'admin reload');
    await desk.settled();
    const answer = String(desk.fake.responses().at(-1)!.body.text);
    expect(answer).toContain('Reloaded.');
    expect(answer).toContain('The file now has a macro named "Late parcel", like one managed in Slack');
    expect(answer).toContain('The file now has an article titled "VPN", like one managed in Slack');
    expect(running.directory.workspace.macros.map((macro) => macro.text)).toEqual(['From the file.']);
    expect(running.directory.workspace.articles.map((a) => a.url)).toEqual(['https://intranet.example.com/vpn']);
    // The reload kept what Slack manages that the file does not touch.
    expect(running.directory.agent(dee)?.groups).toEqual([20]);

    // Retiring the hidden one is what ends the clash: the next reload has nothing to say about it.
    if (article.ok) await retireManaged(running, 'article', admin, article.entry);
    const again = await desk.deskbolt.workspace!.reload('test');
    expect(again.ok ? again.notes.join('\n') : '').not.toContain('article titled');
  });

  it('keeps an agent added from Slack when the file is reloaded without them, and reads Slack’s changes at start', async () => {
    dir = await mkdtemp(join(tmpdir(), 'deskbolt-admin-clash-'));
    const path = join(dir, 'workspace.yml');
    await writeFile(path, stringify(fileContents()));
    desk = await startTestDesk({ workspace: workspaceSchema.parse(fileContents()), workspaceFile: { path } });
    await addToGroup(desk.deskbolt.desk, admin, { user: dee, groupId: 10, name: 'Dee' });
    const outcome = await desk.deskbolt.workspace!.reload('test');
    expect(outcome).toEqual({ ok: true, notes: [] });
    expect(desk.deskbolt.desk.directory.agent(dee)?.groups).toEqual([10]);

    // A replica started later (or this one restarted) reads the database's entries before its first request.
    const restarted = await startTestDesk({
      workspace: workspaceSchema.parse(fileContents()),
      store: desk.store,
      fake: desk.fake,
    });
    try {
      expect(restarted.deskbolt.desk.directory.agent(dee)?.groups).toEqual([10]);
    } finally {
      await restarted.close();
    }
  });
});
