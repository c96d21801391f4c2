import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEvent } from '../src/events/ticket-events.js';
import { workspaceSchema } from '../src/workspace/schema.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { testWorkspace } from './support/workspace.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const keys = {
  bridge: 'dk_bridge_0123456789abcdef',
  otherBridge: 'dk_other_0123456789abcdef',
  billingStatus: 'dk_billing_0123456789abcdef',
  payopsForm: 'dk_payops_0123456789abcdef',
  everything: 'dk_all_0123456789abcdef',
};

/** Who may see what: each REST key sees and touches only the tickets its scope names; any other is a 404. */
describe('REST key scopes', () => {
  let base: string;
  const desk = useTestDesk({
    workspace: testWorkspace({
      apiKeys: [
        { name: 'mail-bridge', sha256: sha256(keys.bridge), scope: 'own' },
        { name: 'other-bridge', sha256: sha256(keys.otherBridge), scope: 'own' },
        { name: 'billing-status', sha256: sha256(keys.billingStatus), access: 'read', scope: { groups: [10] } },
        { name: 'payops-form', sha256: sha256(keys.payopsForm), scope: { groups: [20] } },
        { name: 'auditor', sha256: sha256(keys.everything), access: 'read', scope: 'all' },
      ],
    }),
  });
  beforeAll(async () => {
    base = `http://127.0.0.1:${desk.deskbolt.port}/api/v1`;
  });

  async function call(key: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  const ticketBody = (subject: string, groupId?: number) => ({
    subject,
    requester: { email: 'dana@example.com', name: 'Dana Doe' },
    ...(groupId ? { groupId } : {}),
  });

  async function filedBy(key: string, subject: string, groupId?: number): Promise<number> {
    const created = await call(key, 'POST', '/tickets', ticketBody(subject, groupId));
    expect(created.status).toBe(201);
    await desk.settled();
    return created.json.ticket.number;
  }

  it('a key scoped to its own tickets reads and answers those, and gets 404 for any other, as for a number that does not exist', async () => {
    const mine = await filedBy(keys.bridge, 'Filed by the bridge');
    const theirs = await filedBy(keys.otherBridge, 'Filed by another bridge');
    const fromSlack = (await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock })).number;

    expect((await call(keys.bridge, 'GET', `/tickets/${mine}`)).status).toBe(200);
    for (const number of [theirs, fromSlack]) {
      const read = await call(keys.bridge, 'GET', `/tickets/${number}`);
      expect(read).toEqual({
        status: 404,
        json: { error: { code: 'not_found', message: `There is no ticket #${number}.`, path: null } },
      });
      const commented = await call(keys.bridge, 'POST', `/tickets/${number}/comments`, { text: 'Hello?' });
      expect(commented.status).toBe(404);
    }
    const missing = await call(keys.bridge, 'GET', '/tickets/999999');
    expect(missing.json.error).toEqual({ code: 'not_found', message: 'There is no ticket #999999.', path: null });
    expect((await desk.store.tickets.comments(theirs)).filter((comment) => comment.text === 'Hello?')).toEqual([]);
    expect((await call(keys.bridge, 'POST', `/tickets/${mine}/comments`, { text: 'Any news?' })).status).toBe(201);
  });

  it('a key scoped to groups sees the tickets now in them, files only there, and loses sight of a ticket that moved away', async () => {
    const billing = (await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }, { groupId: 10 })).number;
    const payops = (await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }, { groupId: 20 })).number;
    expect((await call(keys.billingStatus, 'GET', `/tickets/${billing}`)).status).toBe(200);
    expect((await call(keys.billingStatus, 'GET', `/tickets/${payops}`)).status).toBe(404);

    // Without a groupId the ticket goes to the key's first group; another group is refused and nothing is filed.
    const filed = await call(keys.payopsForm, 'POST', '/tickets', ticketBody('PayOps form'));
    expect(filed.status).toBe(201);
    expect(filed.json.ticket.group.id).toBe(20);
    const elsewhere = await call(keys.payopsForm, 'POST', '/tickets', ticketBody('Into Billing', 10));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.json.error).toMatchObject({ code: 'forbidden', path: 'groupId' });
    expect(await desk.store.models.Ticket.countDocuments({ subject: 'Into Billing' })).toBe(0);

    await changeTicket(
      desk.deskbolt.desk,
      billing,
      {},
      { groupId: 20 },
      ticketEvent('escalated', { kind: 'agent', id: 'UANA0001' }, desk.clock.now(), {
        from: { groupId: 10, assignee: null },
        to: { groupId: 20, assignee: null },
        note: 'no-comment',
      }),
      desk.clock.now(),
    );
    expect((await call(keys.billingStatus, 'GET', `/tickets/${billing}`)).status).toBe(404);
    expect((await call(keys.everything, 'GET', `/tickets/${billing}`)).status).toBe(200);
  });

  it('the workspace file must give every key a scope, naming groups that exist', () => {
    const workspace = (apiKey: Record<string, unknown>) => ({
      ...testWorkspace(),
      apiKeys: [{ name: 'k', sha256: sha256('k'), ...apiKey }],
    });
    const unscoped = workspaceSchema.safeParse(workspace({}));
    expect(unscoped.success).toBe(false);
    expect(unscoped.error!.issues[0]).toMatchObject({
      path: ['apiKeys', 0, 'scope'],
      message: expect.stringContaining('all, own'),
    });
    const unknownGroup = workspaceSchema.safeParse(workspace({ scope: { groups: [99] } }));
    expect(unknownGroup.error!.issues[0]).toMatchObject({
      path: ['apiKeys', 0, 'scope', 'groups', 0],
      message: 'no group has id 99',
    });
    expect(workspaceSchema.safeParse(workspace({ scope: 'own' })).success).toBe(true);
  });
});
