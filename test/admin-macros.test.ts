import { describe, expect, it, onTestFinished } from 'vitest';
import { actionIds, adminDeskFields, adminDeskIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { createManaged } from '../src/tickets/desk-admin.js';
import { fileTicket } from './support/desk.js';
import type { TestDesk } from './support/harness.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

const admin = 'UADMIN08';
const otherAdmin = 'UADMIN09';

/** The test workspace with two admins: Ada and Abe. */
function workspaceWithAdmins() {
  const base = testWorkspace();
  return testWorkspace({
    agents: [
      ...base.agents,
      { user: admin, name: 'Ada', groups: [10, 20], role: 'admin' },
      { user: otherAdmin, name: 'Abe', groups: [10], role: 'admin' },
    ],
  });
}

/** What an admin's Slack shows after a request: the list modal, as last opened or updated. */
function currentList(desk: TestDesk, viewId: string): any {
  const calls = [...desk.fake.okCalls('views.open'), ...desk.fake.okCalls('views.update')]
    .map((call) => call.response.view)
    .filter((view: any) => view.id === viewId);
  return calls.at(-1);
}

async function openList(desk: TestDesk, user: string, what: 'macros' | 'articles'): Promise<any> {
  await desk.slack.command(user, '/ticket', `admin ${what}`);
  await desk.settled();
  return desk.fake.okCalls('views.open').at(-1)!.response.view;
}

async function press(desk: TestDesk, user: string, view: any, actionId: string, blockId?: string): Promise<any> {
  const block = view.blocks.find(
    (b: any) =>
      (blockId === undefined || b.block_id === blockId) &&
      (b.elements ?? [b.accessory]).some((e: any) => e?.action_id === actionId),
  );
  const button = (block.elements ?? [block.accessory]).find((e: any) => e?.action_id === actionId);
  await desk.slack.blockAction(
    user,
    { action_id: actionId, block_id: block.block_id, value: button.value },
    { view: { ...view, state: viewStateFrom(view, {}) } },
  );
  await desk.settled();
  return desk.fake.okCalls('views.push').at(-1)?.response.view;
}

async function submit(desk: TestDesk, user: string, form: any, answers: Record<string, unknown>) {
  const response = await desk.slack.viewSubmission(user, {
    id: form.id,
    callback_id: form.callback_id,
    private_metadata: form.private_metadata,
    state: viewStateFrom(form, answers),
  });
  await desk.settled();
  return response;
}

function optionsOf(json: any): any[] {
  return json.option_groups ? json.option_groups.flatMap((group: any) => group.options) : json.options;
}

describe('shared macros managed from Slack', () => {
  const desk = useTestDesk(() => ({ workspace: workspaceWithAdmins() }));

  async function replyForm(user: string) {
    const ticket = await fileTicket(desk.deskbolt.desk, {});
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteOne({ number: ticket.number });
    });
    await desk.slack.blockAction(user, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    return desk.fake.okCalls('views.open').at(-1)!.response.view;
  }

  async function pickerFinds(user: string, typed: string): Promise<string[]> {
    const view = await replyForm(user);
    const found = await desk.slack.blockSuggestion(user, { action_id: replyFields.macro, value: typed }, { view });
    return optionsOf(found.json).map((option: any) => option.text.text);
  }

  it('an admin creates a macro in Slack, and an agent applies it in the reply form', async () => {
    const list = await openList(desk, admin, 'macros');
    expect(list.callback_id).toBe(adminDeskIds.macros);
    const form = await press(desk, admin, list, adminDeskIds.newEntry);
    expect(form.callback_id).toBe(adminDeskIds.macroForm);
    const typed = 'Hi *there* <!channel> & welcome back.';
    const saved = await submit(desk, admin, form, {
      [adminDeskFields.name]: 'Welcome back',
      [adminDeskFields.text]: typed,
      [adminDeskFields.kind]: 'public',
    });
    expect(saved.problems ?? []).toEqual([]);
    expect(saved.json?.response_action).toBeUndefined();

    // Stored raw; the list, refreshed under the form, shows it escaped.
    const [stored] = (await desk.store.managedMacros.all()).filter((macro) => macro.name === 'Welcome back');
    expect(stored).toMatchObject({ text: typed, public: true, version: 1, retired: false, createdBy: admin });
    const refreshed = currentList(desk, list.id);
    const shown = JSON.stringify(refreshed.blocks);
    expect(shown).toContain('Saved “Welcome back”.');
    expect(shown).toContain('&lt;!channel&gt; &amp; welcome back.');
    expect(shown).not.toContain('<!channel>');

    const view = await replyForm(people.ana);
    const found = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.macro, value: 'welcome' },
      { view },
    );
    const option = optionsOf(found.json).find((o: any) => o.text.text === 'Welcome back');
    expect(option.value).toMatch(/^s:/);
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.macro, selected_option: option },
      { view: { ...view, state: viewStateFrom(view, {}) } },
    );
    await desk.settled();
    const applied = desk.fake.okCalls('views.update').at(-1)!.response.view;
    expect(viewStateFrom(applied, {}).values[`${replyFields.text}__2`]![replyFields.text].value).toBe(typed);
  });

  it('edits a macro, then retires it: out of the picker, its history kept and the audit says who did what', async () => {
    const created = await createManaged(desk.deskbolt.desk, 'macro', admin, {
      name: 'Outage note',
      text: 'We are down.',
    });
    expect(created.ok).toBe(true);
    const id = created.ok ? created.entry.id : '';

    const list = await openList(desk, admin, 'macros');
    const form = await press(desk, admin, list, adminDeskIds.editEntry, `admin_entry_actions_${id}`);
    expect(viewStateFrom(form, {}).values[adminDeskFields.text]![adminDeskFields.text].value).toBe('We are down.');
    await submit(desk, admin, form, { [adminDeskFields.text]: 'We are back up.' });
    expect(await desk.store.managedMacros.get(id)).toMatchObject({ text: 'We are back up.', version: 2 });
    expect(await pickerFinds(people.ana, 'outage')).toEqual(['Outage note']);

    const relisted = currentList(desk, list.id);
    await press(desk, admin, relisted, adminDeskIds.retireEntry, `admin_entry_actions_${id}`);
    expect(await desk.store.managedMacros.get(id)).toMatchObject({ retired: true, version: 3, updatedBy: admin });
    expect(await pickerFinds(people.ana, 'outage')).toEqual([]);
    const afterRetire = currentList(desk, list.id);
    const text = JSON.stringify(afterRetire.blocks);
    expect(text).toContain('Retired “Outage note”');
    expect(text).toContain(`Outage note — retired by <@${admin}>`);
    expect(
      afterRetire.blocks.some((block: any) => block.block_id === `admin_entry_actions_${id}`),
      'a retired macro has no Edit or Retire',
    ).toBe(false);

    await desk.slack.command(admin, '/ticket', 'admin audit');
    await desk.settled();
    const audit = String(desk.fake.responses().at(-1)!.body.text);
    expect(audit.indexOf(`<@${admin}> retired macro Outage note`)).toBeGreaterThan(-1);
    expect(audit.indexOf(`<@${admin}> retired macro Outage note`)).toBeLessThan(
      audit.indexOf(`<@${admin}> edited macro Outage note`),
    );
    expect(audit).toContain(`<@${admin}> created macro Outage note`);
  });

  it('refuses the second of two admins editing at once, telling them who changed it; the first edit stays', async () => {
    const created = await createManaged(desk.deskbolt.desk, 'macro', admin, { name: 'Holiday hours', text: 'Closed.' });
    const id = created.ok ? created.entry.id : '';
    const adaList = await openList(desk, admin, 'macros');
    const adaForm = await press(desk, admin, adaList, adminDeskIds.editEntry, `admin_entry_actions_${id}`);
    const abeList = await openList(desk, otherAdmin, 'macros');
    const abeForm = await press(desk, otherAdmin, abeList, adminDeskIds.editEntry, `admin_entry_actions_${id}`);

    expect((await submit(desk, otherAdmin, abeForm, { [adminDeskFields.text]: 'Open 10-14.' })).json).toBeUndefined();
    const lost = await submit(desk, admin, adaForm, { [adminDeskFields.text]: 'Open 9-17.' });
    expect(lost.json.response_action).toBe('errors');
    expect(lost.json.errors[adminDeskFields.name]).toContain(
      'Abe changed the macro Holiday hours since you opened it, so yours was not saved',
    );
    expect(await desk.store.managedMacros.get(id)).toMatchObject({
      text: 'Open 10-14.',
      version: 2,
      updatedBy: otherAdmin,
    });
  });

  it('refuses people who are not admins, with the reason, and changes nothing', async () => {
    await desk.slack.command(people.ana, '/ticket', 'admin macros');
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toContain('Only an admin of the workspace can');
    expect(desk.fake.okCalls('views.open')).toEqual([]);

    await desk.slack.command(people.customer, '/ticket', 'admin articles');
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toContain('only support agents');

    // A form submitted by hand (an old modal, a forged request) is refused the same way.
    const created = await createManaged(desk.deskbolt.desk, 'macro', admin, { name: 'Admins only', text: 'x' });
    const id = created.ok ? created.entry.id : '';
    const list = await openList(desk, admin, 'macros');
    const form = await press(desk, admin, list, adminDeskIds.editEntry, `admin_entry_actions_${id}`);
    const forged = await submit(desk, people.ana, form, { [adminDeskFields.text]: 'hijacked' });
    expect(forged.json.errors[adminDeskFields.name]).toContain('Only an admin of the workspace can');
    await press(desk, people.ana, currentList(desk, list.id), adminDeskIds.retireEntry, `admin_entry_actions_${id}`);
    expect(await desk.store.managedMacros.get(id)).toMatchObject({ text: 'x', version: 1, retired: false });
  });

  it('shows the file’s macros read-only, and refuses a name the file or another macro has', async () => {
    const list = await openList(desk, admin, 'macros');
    const fileSection = list.blocks.findIndex((block: any) => block.text?.text?.startsWith('From the workspace file'));
    expect(JSON.stringify(list.blocks[fileSection + 1])).toContain('Refund issued');
    expect(JSON.stringify(list.blocks)).not.toMatch(/"value":"macro:[^"]*Refund/);

    const form = await press(desk, admin, list, adminDeskIds.newEntry);
    const clash = await submit(desk, admin, form, {
      [adminDeskFields.name]: 'refund ISSUED',
      [adminDeskFields.text]: 'Another refund text.',
    });
    expect(clash.json.errors[adminDeskFields.name]).toContain('in the workspace file, which wins over Slack');

    await createManaged(desk.deskbolt.desk, 'macro', admin, { name: 'Twice', text: 'one' });
    const again = await submit(desk, admin, await press(desk, admin, list, adminDeskIds.newEntry), {
      [adminDeskFields.name]: 'TWICE',
      [adminDeskFields.text]: 'two',
    });
    expect(again.json.errors[adminDeskFields.name]).toContain('managed in Slack: edit that one');
    expect((await desk.store.managedMacros.all()).filter((macro) => macro.nameKey === 'twice')).toHaveLength(1);

    const tooLong = await submit(desk, admin, await press(desk, admin, list, adminDeskIds.newEntry), {
      [adminDeskFields.name]: 'Long',
      [adminDeskFields.text]: 'x'.repeat(3001),
    });
    expect(tooLong.json.errors[adminDeskFields.text]).toContain('at most 3000 characters');
  });
  it('answers a hand-made click or form with no value, or one not of ours, and changes nothing', async () => {
    const list = await openList(desk, admin, 'macros');
    const before = await desk.store.managedMacros.all();
    for (const value of [undefined, 'macro:{"$gt":""}:1', 'article:nope:x']) {
      for (const action_id of [adminDeskIds.editEntry, adminDeskIds.retireEntry, adminDeskIds.removeMember]) {
        const response = await desk.slack.blockAction(
          admin,
          { action_id, ...(value === undefined ? {} : { value }) },
          {},
        );
        expect(response.status).toBe(200);
      }
    }
    const forged = await desk.slack.viewSubmission(admin, {
      id: list.id,
      callback_id: adminDeskIds.macroForm,
      private_metadata: '{"kind":"macro","entry":{"id":{"$ne":null},"version":1}}',
      state: { values: {} },
    });
    expect(forged.status).toBe(200);
    await desk.settled();
    expect(desk.fake.okCalls('views.push')).toEqual([]);
    expect(await desk.store.managedMacros.all()).toEqual(before);
  });
});

describe('articles managed from Slack', () => {
  const desk = useTestDesk(() => ({ workspace: workspaceWithAdmins() }));

  it('an admin adds an article (http(s) only), and an agent finds it and links it in a reply', async () => {
    const list = await openList(desk, admin, 'articles');
    const form = await press(desk, admin, list, adminDeskIds.newEntry);
    expect(form.callback_id).toBe(adminDeskIds.articleForm);
    const answers = {
      [adminDeskFields.title]: 'VPN <setup> & more',
      [adminDeskFields.url]: 'javascript:alert(1)',
      [adminDeskFields.summary]: 'Ask <!here> first',
      [adminDeskFields.keywords]: 'vpn, tunnel',
    };
    const refused = await submit(desk, admin, form, answers);
    expect(refused.json.errors[adminDeskFields.url]).toBe('The link must start with http:// or https://.');
    expect(await desk.store.managedArticles.all()).toEqual([]);

    const saved = await submit(desk, admin, form, {
      ...answers,
      [adminDeskFields.url]: 'https://help.example.com/vpn',
    });
    expect(saved.json).toBeUndefined();
    expect(await desk.store.managedArticles.all()).toMatchObject([
      { title: 'VPN <setup> & more', url: 'https://help.example.com/vpn', keywords: ['vpn', 'tunnel'], version: 1 },
    ]);

    const ticket = await fileTicket(desk.deskbolt.desk, {});
    await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    const typed = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.kbSearch, value: 'tunnel' },
      { view },
    );
    expect(typed.json.options.map((o: any) => o.text.text)).toEqual(['VPN <setup> & more']);
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.kbSearch, selected_option: typed.json.options[0] },
      { view: { ...view, state: viewStateFrom(view, {}) } },
    );
    await desk.settled();
    const previewed = desk.fake.okCalls('views.update').at(-1)!.response.view;
    const preview = previewed.blocks.find((block: any) => block.block_id === 'reply_kb_preview');
    expect(preview.text.text).toBe(
      '<https://help.example.com/vpn|VPN &lt;setup&gt; &amp; more>\nAsk &lt;!here&gt; first',
    );
    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.linkArticle, value: preview.accessory.value },
      { view: { ...previewed, state: viewStateFrom(previewed, {}) } },
    );
    await desk.settled();
    const linked = desk.fake.okCalls('views.update').at(-1)!.response.view;
    expect(viewStateFrom(linked, {}).values[`${replyFields.text}__3`]![replyFields.text].value).toBe(
      'VPN <setup> & more: https://help.example.com/vpn',
    );
  });
});
