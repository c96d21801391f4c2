import { describe, expect, it } from 'vitest';
import { fileTicket } from './support/desk.js';
import { startTestDesk } from './support/harness.js';
import { useTestDesk } from './support/use-test-desk.js';
import { testWorkspace } from './support/workspace.js';

const agents = Array.from({ length: 10 }, (_, index) => ({
  user: `UNEXT${String(index).padStart(4, '0')}`,
  name: `Agent ${index}`,
  groups: [10],
}));

describe('/ticket next under load', () => {
  const desk = useTestDesk({ workspace: testWorkspace({ agents }) });

  it('gives 10 agents calling it at once 10 different tickets, the oldest ones', async () => {
    const filed = [];
    for (let index = 0; index < 12; index++)
      filed.push(await fileTicket({ ...desk.deskbolt.desk, testClock: desk.clock }, { subject: `Issue ${index}` }));
    const answers = await Promise.all(agents.map((agent) => desk.slack.command(agent.user, '/ticket', 'next')));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    await desk.settled();

    const owners = await Promise.all(filed.map((ticket) => desk.store.tickets.get(ticket.number)));
    const taken = owners.filter((ticket) => ticket!.assignee !== null);
    expect(taken.map((ticket) => ticket!.number)).toEqual(filed.slice(0, 10).map((ticket) => ticket.number));
    expect(new Set(taken.map((ticket) => ticket!.assignee)).size).toBe(10);
    const texts = desk.fake.responses().map((response) => response.body.text as string);
    expect(texts.filter((text) => /^You took #\d+\.$/.test(text))).toHaveLength(10);
  });

  it('says so when nothing is waiting', async () => {
    // A desk of its own: the queue must hold exactly what this test filed.
    const own = await startTestDesk({ workspace: testWorkspace({ agents }) });
    try {
      for (const subject of ['First waiting', 'Second waiting'])
        await fileTicket({ ...own.deskbolt.desk, testClock: own.clock }, { subject });
      const lastAnswer = async (user: string) => {
        await own.slack.command(user, '/ticket', 'next');
        await own.settled();
        return own.fake.responses().at(-1)!.body.text;
      };
      expect(await lastAnswer(agents[0]!.user)).toMatch(/^You took #\d+\.$/);
      expect(await lastAnswer(agents[1]!.user)).toMatch(/^You took #\d+\.$/);
      expect(await lastAnswer(agents[2]!.user)).toBe('Nothing is waiting in Billing. Nice work.');
    } finally {
      await own.close();
    }
  });
});
