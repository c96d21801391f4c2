import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { workspaceSchema } from '../src/workspace/schema.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { WebhookReceiver } from './support/webhook-receiver.js';
import { people, testWorkspace } from './support/workspace.js';

const SECRET = 'webhook-secret-0123456789';
const KEY = 'dk_bridge_webhook_0123456789';
const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function receiver(): Promise<WebhookReceiver> {
  const started = await WebhookReceiver.start();
  open.push(() => started.close());
  return started;
}

async function deskWithWebhook(outboundWebhook: Record<string, unknown>): Promise<TestDesk> {
  const workspace = testWorkspace({
    outboundWebhook,
    apiKeys: [{ name: 'mail-bridge', sha256: createHash('sha256').update(KEY).digest('hex'), scope: 'own' }],
  });
  const desk = await startTestDesk({ workspace });
  open.push(() => desk.close());
  return desk;
}

/** An email ticket filed by the bridge over REST, and Ana's public reply to it through the reply form in Slack. */
async function emailTicketWithReply(desk: TestDesk): Promise<number> {
  const created = await fetch(`http://127.0.0.1:${desk.deskbolt.port}/api/v1/tickets`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ subject: 'Refund?', requester: { email: 'dana@example.com', name: 'Dana' } }),
  });
  const number = ((await created.json()) as { ticket: { number: number } }).ticket.number;
  await desk.settled();
  await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(number) });
  await desk.settled();
  const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
  await desk.slack.viewSubmission(people.ana, {
    id: view.id,
    callback_id: view.callback_id,
    private_metadata: view.private_metadata,
    state: viewStateFrom(view, { [replyFields.text]: 'Refunded today.', [replyFields.status]: 'open' }),
  });
  await desk.settled();
  return number;
}

async function cardOf(desk: TestDesk, number: number): Promise<string> {
  await desk.slack.command(people.ana, '/ticket', `show ${number}`);
  await desk.settled();
  return JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
}

describe('the outbound webhook', () => {
  it('never follows a redirect: the signed body goes nowhere else, and the delivery fails, is retried and shows on the ticket', async () => {
    const bridge = await receiver();
    const elsewhere = await receiver();
    bridge.redirectTo(elsewhere.url, 307);
    const desk = await deskWithWebhook({ url: bridge.url, secret: SECRET, allowPrivateNetwork: true });
    const number = await emailTicketWithReply(desk);

    const [delivery] = (await desk.store.deliveries.ofTicket(number)).filter((queued) => queued.via === 'email');
    expect(delivery).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringContaining('HTTP 307') });
    expect(delivery!.lastError).toContain('redirects are not followed');
    desk.clock.advance(61_000);
    await desk.deskbolt.jobs.run(deskJob('delivery-retries'));
    expect((await desk.store.deliveries.get(delivery!.id))!.attempts).toBe(2);
    expect(elsewhere.received).toEqual([]);
    const failures = (await desk.store.tickets.history(number)).filter((event) => event.action === 'delivery_failed');
    expect(failures).toHaveLength(2);
    expect(await cardOf(desk, number)).toContain('did not reach the requester');
  });

  it('refuses a name that resolves to a private address before connecting, unless the workspace opts in', async () => {
    const bridge = await receiver();
    const byName = bridge.url.replace('127.0.0.1', 'localhost');
    const desk = await deskWithWebhook({ url: byName, secret: SECRET });
    const number = await emailTicketWithReply(desk);
    const [delivery] = (await desk.store.deliveries.ofTicket(number)).filter((queued) => queued.via === 'email');
    expect(delivery!.lastError).toMatch(
      /^localhost resolves to (127\.0\.0\.1|::1), a loopback address; set outboundWebhook\.allowPrivateNetwork/,
    );
    expect(bridge.received).toEqual([]);
    expect(await cardOf(desk, number)).toContain('loopback address');

    const allowed = await deskWithWebhook({ url: byName, secret: SECRET, allowPrivateNetwork: true });
    await emailTicketWithReply(allowed);
    expect(bridge.received).toHaveLength(1);
  });

  it('refuses a URL on loopback, link-local or private addresses at start, naming the field', () => {
    const problems = (url: string, allowPrivateNetwork?: boolean) => {
      const parsed = workspaceSchema.safeParse({
        ...testWorkspace(),
        outboundWebhook: { url, secret: SECRET, ...(allowPrivateNetwork === undefined ? {} : { allowPrivateNetwork }) },
      });
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    expect(problems('http://127.0.0.1:8080/hook')).toEqual([
      'outboundWebhook.url: 127.0.0.1 is a loopback address; deskbolt posts there only with outboundWebhook.allowPrivateNetwork: true',
    ]);
    expect(problems('http://[::1]/hook')[0]).toContain('[::1] is a loopback address');
    expect(problems('http://0x7f.1/hook')[0]).toContain('127.0.0.1 is a loopback address');
    expect(problems('http://169.254.169.254/latest/meta-data')[0]).toContain('a link-local address');
    expect(problems('http://[fe80::1]/')[0]).toContain('a link-local address');
    for (const url of [
      'http://10.0.0.8/hook',
      'https://172.20.1.1/',
      'http://192.168.1.20/',
      'http://100.64.0.1/',
      'http://[fd12::1]/',
      'http://[::ffff:10.0.0.1]/',
    ]) {
      expect(problems(url)[0], url).toContain('a private address');
    }
    expect(problems('http://0.0.0.0:9000/')[0]).toContain('an unspecified address');
    expect(problems('ftp://bridge.example.com/hook')).toEqual([
      'outboundWebhook.url: expected an http:// or https:// URL',
    ]);
    expect(problems('not a url')).toEqual(['outboundWebhook.url: expected an http:// or https:// URL']);
    expect(problems('https://mail-bridge.example.com/deskbolt')).toEqual([]);
    expect(problems('http://127.0.0.1:8080/hook', true)).toEqual([]);
  });
});
