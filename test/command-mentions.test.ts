import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatSteps } from './support/chats.js';
import { startTestDesk, type TestDesk } from './support/harness.js';
import { people, testWorkspace } from './support/workspace.js';

const benIto = 'UBENI010';
const benMoore = 'UBENM011';

/**
 * Commands that name a person work with the text Slack really sends: a person picked from Slack's
 * @-menu arrives as `<@U…|name>` (manifest.yml: should_escape), a typed name as typed.
 */
describe('people named in commands', () => {
  let desk: TestDesk;
  let steps: ReturnType<typeof chatSteps>;
  beforeAll(async () => {
    const workspace = testWorkspace();
    desk = await startTestDesk({
      workspace: {
        ...workspace,
        agents: [
          ...workspace.agents,
          { user: benIto, name: 'Ben Ito', groups: [10], role: 'agent' },
          { user: benMoore, name: 'Ben Moore', groups: [10], role: 'agent' },
        ],
      },
    });
    steps = chatSteps(desk);
    // Slack's own handles: what the @-menu completes, not the workspace file's names.
    desk.fake.addUser({ id: people.ben, name: 'benjamin' });
    desk.fake.addUser({ id: benMoore, name: 'bmoore' });
  });
  afterAll(async () => {
    await desk.close();
  });
  beforeEach(() => desk.fake.clearCalls());

  async function command(user: string, text: string): Promise<string> {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return steps.lastResponse();
  }

  it('transfers to a person picked from the @-menu, by the id Slack sends with the mention', async () => {
    await steps.status(people.ben, 'online');
    const chat = await steps.liveChat('UREQM001', people.ana);

    expect(await command(people.ana, `transfer ${chat.ticketNumber} @benjamin`)).toContain(
      `Asked <@${people.ben}> to take chat #${chat.ticketNumber}`,
    );
    expect(
      desk.fake.calls().find((call) => call.method === 'chat.postMessage' && call.args.channel === people.ben),
    ).toBeDefined();
  });

  it('accepts a typed name from the workspace file, whole or by a first name only one agent has', async () => {
    await steps.status(benIto, 'online');
    await steps.status(people.cho, 'online');
    const first = await steps.liveChat('UREQM002', people.ana);
    const second = await steps.liveChat('UREQM003', people.ana);

    expect(await command(people.ana, `transfer ${first.ticketNumber} Ben Ito`)).toContain(`Asked <@${benIto}>`);
    expect(await command(people.ana, `transfer ${second.ticketNumber} cho`)).toContain(`Asked <@${people.cho}>`);
  });

  it('says so when a name matches two people or nobody, and offers nothing', async () => {
    const chat = await steps.liveChat('UREQM004', people.ana);

    expect(await command(people.ana, `transfer ${chat.ticketNumber} ben moore ito`)).toBe(
      'Nobody called “ben moore ito” is a support agent here. Mention them (`@name`) or use their name as in the workspace file.',
    );
    expect(await desk.store.chats.transfersOf(chat.ticketNumber)).toHaveLength(0);
    // Picked from the menu, the same first name is never ambiguous: Slack sent the id.
    expect(await command(people.ana, `transfer ${chat.ticketNumber} @bmoore`)).toBe(
      `<@${benMoore}> is offline, so the chat was not offered — it stays with you.`,
    );
  });

  it('answers stats for a person picked from the @-menu, and refuses an ambiguous name', async () => {
    expect(await command(people.lead, 'stats @benjamin month')).toBe('Ben — last 30 days: 0 solved');
    const withoutBen = testWorkspace();
    const other = await startTestDesk({
      workspace: {
        ...withoutBen,
        agents: [
          ...withoutBen.agents.filter((agent) => agent.user !== people.ben),
          { user: benIto, name: 'Ben Ito', groups: [10], role: 'agent' },
          { user: benMoore, name: 'Ben Moore', groups: [10], role: 'agent' },
        ],
      },
    });
    try {
      await other.slack.command(people.lead, '/ticket', 'stats ben');
      await other.settled();
      expect(other.fake.responses().at(-1)!.body.text).toBe(
        `“ben” could be <@${benIto}> or <@${benMoore}>; mention the one you mean.`,
      );
    } finally {
      await other.close();
    }
  });
});
