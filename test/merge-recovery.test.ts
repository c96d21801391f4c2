import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { MERGE_GRACE_MS } from '../src/tickets/merge.js';
import { replyToTicket } from '../src/tickets/reply.js';
import { TestClock } from './support/clock.js';
import { openTestStore, testDatabaseName } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { DeskboltProcess } from './support/processes.js';
import { people } from './support/workspace.js';

/**
 * A merge of three tickets into one, its process killed with SIGKILL at a step of one of the
 * sources, and nobody running it again: the next replica's recovery job merges every source, and
 * the agent who asked is told once.
 */
describe('a merge of several tickets cut by a kill', () => {
  let fake: FakeSlack;
  let store: Store;
  let dbName: string;
  let clock: TestClock;
  let desk: TestDesk;
  let requesters = 0;
  const running: DeskboltProcess[] = [];
  let spare: DeskboltProcess | undefined;

  beforeAll(async () => {
    fake = await startTestFake();
    dbName = testDatabaseName('merge-recovery');
    store = await openTestStore('merge-recovery', { dbName });
    clock = new TestClock();
    desk = await startTestDesk({ store, fake, clock });
  });
  afterAll(async () => {
    for (const child of running) await child.stop();
    await desk.close();
    await store.close();
    await fake.close();
  });

  async function startProcess(): Promise<DeskboltProcess> {
    const child = await DeskboltProcess.start({ fake, dbName, clock: clock.now() });
    running.push(child);
    return child;
  }

  const newRequester = () => `UREQM${String(++requesters).padStart(3, '0')}`;
  const cutShort = (target: number) =>
    fake
      .dmsTo(people.ben)
      .filter((call) => String(call.args.text).startsWith(`Your merge into #${target} was cut short`));

  // Which source (0, 1, 2: in the order asked) and which of its steps the process dies after.
  const cases: { step: string; source: number }[] = [
    { step: 'recorded', source: 0 },
    { step: 'first-claim', source: 0 },
    { step: 'copied', source: 0 },
    { step: 'closed', source: 0 },
    { step: 'marked', source: 1 },
    { step: 'told', source: 2 },
  ];
  for (const { step, source } of cases) {
    it(`killed after “${step}” of source ${source + 1} of 3: every source ends merged, the agent told once`, async () => {
      const asker = desk.deskbolt.desk;
      const target = await fileTicket(
        { ...asker, testClock: clock },
        { subject: 'Charged twice', requester: { kind: 'slack', userId: people.customer } },
      );
      const sources = [];
      for (let i = 0; i < 3; i += 1) {
        const filed = await fileTicket(
          { ...asker, testClock: clock },
          {
            subject: `Double charge ${i}`,
            description: 'Two charges',
            requester: { kind: 'slack', userId: newRequester() },
          },
        );
        clock.advance(1000);
        await replyToTicket(asker, {
          number: filed.number,
          agent: people.ana,
          text: 'Looking into it',
          kind: 'public',
          status: 'open',
        });
        sources.push(filed);
      }
      await desk.settled();
      const numbers = sources.map((ticket) => ticket.number);

      const dying = spare ?? (await startProcess());
      spare = undefined;
      await dying.setClock(clock.now());
      await dying.pauseAt(`merge:${step}#${numbers[source]}`);
      const slack = new SlackClientSim({ url: dying.url, signingSecret: SIGNING_SECRET, fake });
      await slack.command(people.ben, '/ticket', `merge ${numbers.join(' ')} into ${target.number}`);
      await dying.settled();
      const confirm = fake.okCalls('views.open').at(-1)!.response.view;
      await slack.viewSubmission(people.ben, {
        id: confirm.id,
        callback_id: confirm.callback_id,
        private_metadata: confirm.private_metadata,
        state: { values: {} },
      });
      expect(await dying.paused()).toEqual({ workflow: 'merge', step, ticket: numbers[source] });
      await dying.kill();
      running.splice(running.indexOf(dying), 1);

      const next = await startProcess();
      clock.advance(MERGE_GRACE_MS + 1000);
      await next.setClock(clock.now());
      const finished = await next.run('finish-merges');
      expect(finished).toMatchObject({ ran: true, result: { requestsFinished: 1 } });
      // A close the dead process recorded is handed out by the sweep, as any leftover is.
      await next.run('sweep-leftovers');
      await next.run('delivery-retries');
      // A second run finds nothing left and tells nobody again.
      clock.advance(60_000);
      await next.setClock(clock.now());
      expect(await next.run('finish-merges')).toMatchObject({ ran: true, result: { requestsFinished: 0 } });
      spare = next;

      for (const number of numbers) {
        expect(await store.tickets.get(number)).toMatchObject({
          status: 'closed',
          mergedInto: target.number,
          merge: { state: 'done' },
        });
        const requester = sources.find((ticket) => ticket.number === number)!.requester as { userId: string };
        const notices = fake.dmsTo(requester.userId);
        expect(
          notices.filter((call) => String(call.args.text).includes(`now handled together with #${target.number}`)),
        ).toHaveLength(1);
      }
      const after = (await store.tickets.get(target.number))!;
      expect(after).toMatchObject({ status: 'new', mergedInto: null });
      expect(Object.keys(after.mergingIn ?? {})).toEqual([]);
      const copied = (await store.tickets.comments(target.number)).map((comment) => comment.text.split('\n')[0]);
      for (const number of numbers)
        expect(copied.filter((line) => line === `From #${number} (public reply):`)).toHaveLength(1);
      expect(cutShort(target.number)).toHaveLength(1);
      expect(String(cutShort(target.number)[0]!.args.text)).toContain(
        `Merged ${numbers.map((n) => `#${n}`).join(', ')} into #${target.number}.`,
      );
    });
  }
});
