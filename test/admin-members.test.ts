import { describe, expect, it, onTestFinished } from 'vitest';
import { adminDeskFields, adminDeskIds } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { addToGroup, removeFromGroup } from '../src/tickets/desk-admin.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

const admin = 'UADMIN08';
const dee = 'UDEE0009';
const eve = 'UEVE0010';

function workspaceWithAdmin() {
  const base = testWorkspace();
  return testWorkspace({
    agents: [...base.agents, { user: admin, name: 'Ada', groups: [10, 20], role: 'admin' }],
  });
}

async function answer(desk: TestDesk, user: string, text: string): Promise<string> {
  await desk.slack.command(user, '/ticket', text);
  await desk.settled();
  return String(desk.fake.responses().at(-1)!.body.text);
}

async function openMembers(desk: TestDesk, group: string): Promise<any> {
  await desk.slack.command(admin, '/ticket', `admin members ${group}`);
  await desk.settled();
  return desk.fake.okCalls('views.open').at(-1)!.response.view;
}

async function addMember(desk: TestDesk, view: any, user: string) {
  const response = await desk.slack.viewSubmission(admin, {
    id: view.id,
    callback_id: view.callback_id,
    private_metadata: view.private_metadata,
    state: viewStateFrom(view, { [adminDeskFields.member]: user }),
  });
  await desk.settled();
  // As the admin's Slack client does with the answer: the list shows what the app sent back.
  desk.fake.viewSubmitted(admin, view.id, response.json);
  return response;
}

async function pressRemove(desk: TestDesk, user: string, view: any, member: string): Promise<any> {
  const block = view.blocks.find((b: any) => b.block_id === `admin_member_${member}`);
  await desk.slack.blockAction(
    user,
    { action_id: adminDeskIds.removeMember, block_id: block.block_id, value: block.accessory.value },
    { view: { ...view, state: viewStateFrom(view, {}) } },
  );
  await desk.settled();
  return desk.fake.okCalls('views.update').at(-1)?.response.view;
}

describe('who is in a group, managed from Slack', () => {
  const desk = useTestDesk(() => ({ workspace: workspaceWithAdmin() }));

  async function payopsTicket() {
    const ticket = await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }, { groupId: 20 });
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteOne({ number: ticket.number });
      await desk.store.waiting.replaceWith(await desk.store.tickets.waitingNow());
    });
    return ticket;
  }

  it('adds someone to a group so they can take its tickets at once, then removes them while they hold one', async () => {
    desk.fake.addUser({ id: dee, name: 'dee', realName: 'Dee <Ops>' });
    const ticket = await payopsTicket();
    expect(await answer(desk, dee, 'next')).not.toMatch(/^You took/);

    const view = await openMembers(desk, 'payops');
    expect(view.callback_id).toBe(adminDeskIds.members);
    const added = await addMember(desk, view, dee);
    expect(added.problems ?? []).toEqual([]);
    expect(added.json.response_action).toBe('update');
    expect(JSON.stringify(added.json.view.blocks)).toContain(`Added <@${dee}> to PayOps`);
    expect(desk.deskbolt.desk.directory.agent(dee)).toMatchObject({ name: 'Dee <Ops>', groups: [20], role: 'agent' });

    expect(await answer(desk, dee, 'next')).toBe(`You took #${ticket.number}.`);

    const updated = await pressRemove(desk, admin, desk.fake.view(view.id), dee);
    const told = JSON.stringify(updated.blocks);
    expect(told).toContain(`Removed <@${dee}> from PayOps. They still hold #${ticket.number}`);
    expect(told).toContain('They are no longer an agent of any group.');
    expect(desk.deskbolt.desk.directory.agent(dee)).toBeUndefined();
    // Never orphaned: still theirs, still in PayOps, where its leads see it and can reassign it.
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ assignee: dee, groupId: 20, status: 'open' });
    expect((await desk.store.tickets.notClosedIn([20], 50)).map((t) => t.number)).toContain(ticket.number);
    expect(await answer(desk, dee, 'next')).not.toMatch(/^You took/);

    const audit = await answer(desk, admin, 'admin audit');
    expect(audit).toContain(
      `<@${admin}> removed membership Dee &lt;Ops&gt; (${dee}) from PayOps (still holds #${ticket.number}`,
    );
    expect(audit).toContain(`<@${admin}> added membership Dee &lt;Ops&gt; (${dee}) to PayOps`);
  });

  it('gives an agent of the file another group, and shows the file’s members read-only', async () => {
    // Through the workflow, so this replica's directory forgets it too: the file's other tests read it.
    onTestFinished(() => removeFromGroup(desk.deskbolt.desk, admin, people.ana, 20).then(() => undefined));
    const view = await openMembers(desk, '20');
    expect(JSON.stringify(view.blocks)).toContain(`<@${people.payops}>`);
    expect(view.blocks.some((block: any) => block.block_id === `admin_member_${people.payops}`)).toBe(false);

    const again = await addMember(desk, view, people.payops);
    expect(again.json.errors[adminDeskFields.member]).toBe(
      'Pat is already an agent of PayOps (in the workspace file).',
    );

    expect((await addMember(desk, view, people.ana)).json.response_action).toBe('update');
    expect(desk.deskbolt.desk.directory.agent(people.ana)).toMatchObject({ name: 'Ana', groups: [10, 20] });
    const twice = await addMember(desk, view, people.ana);
    expect(twice.json.errors[adminDeskFields.member]).toBe('Ana is already an agent of PayOps.');

    // A file membership cannot be removed from Slack, even by a hand-made click.
    await desk.slack.blockAction(
      admin,
      { action_id: adminDeskIds.removeMember, value: `20:${people.payops}` },
      { view: { ...view, state: viewStateFrom(view, {}) } },
    );
    await desk.settled();
    expect(JSON.stringify(desk.fake.okCalls('views.update').at(-1)!.response.view.blocks)).toContain(
      'is in PayOps by the workspace file, which Slack cannot change',
    );
    expect(desk.deskbolt.desk.directory.agent(people.payops)?.groups).toEqual([20]);
  });

  it('refuses a lead who is not an admin, and a group that does not exist', async () => {
    expect(await answer(desk, people.lead, 'admin members Billing')).toContain('Only an admin of the workspace can');
    expect(desk.fake.okCalls('views.open')).toEqual([]);
    expect(await answer(desk, admin, 'admin members Nowhere')).toContain('Nowhere');
    expect(await addToGroup(desk.deskbolt.desk, people.lead, { user: eve, groupId: 10, name: 'Eve' })).toMatchObject({
      ok: false,
      code: 'admins_only',
    });
    expect(desk.deskbolt.desk.directory.agent(eve)).toBeUndefined();
  });

  it('reaches another replica on the same database without a restart', async () => {
    const other = await startTestDesk({ workspace: workspaceWithAdmin(), store: desk.store, fake: desk.fake });
    onTestFinished(async () => {
      await other.close();
      await removeFromGroup(desk.deskbolt.desk, admin, eve, 10);
    });
    expect(await other.deskbolt.adminOverlay.refresh()).toBe(false);
    expect(await addToGroup(desk.deskbolt.desk, admin, { user: eve, groupId: 10, name: 'Eve' })).toEqual({ ok: true });
    expect(other.deskbolt.desk.directory.agent(eve)).toBeUndefined();

    // What the replica's interval does: one read of the audit's counter, the overlay read again as it moved.
    expect(await other.deskbolt.adminOverlay.refresh()).toBe(true);
    expect(other.deskbolt.desk.directory.agent(eve)).toMatchObject({ name: 'Eve', groups: [10] });
    expect(await other.deskbolt.adminOverlay.refresh()).toBe(false);
  });
});
