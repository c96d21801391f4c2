import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionIds } from '../blocks/ids.js';
import type { Chat } from '../src/chats/types.js';
import { SIGNING_SECRET } from '../src/fake-slack/config.js';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { MERGE_GRACE_MS, type MergeStep } from '../src/tickets/merge.js';
import { replyToTicket } from '../src/tickets/reply.js';
import type { TicketEvent } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { TestClock } from './support/clock.js';
import { openTestStore, testDatabaseName } from './support/database.js';
import { fileTicket } from './support/desk.js';
import { startTestDesk, startTestFake, type TestDesk } from './support/harness.js';
import { DeskboltProcess } from './support/processes.js';
import { people } from './support/workspace.js';

/**
 * A replica killed with SIGKILL in the middle of a merge or of an accepted transfer, after each step
 * either records; then a new process on the same database runs the jobs, as a replica's cron would.
 * The recovery finishes the work: every note copied once, one notice per source requester, nothing
 * doubled, and nothing shown to a requester before it is true.
 */
const LEFTOVERS_AGE_MS = 61_000;

describe('a replica killed half-way, and the jobs of the next one', () => {
  let fake: FakeSlack;
  let store: Store;
  let dbName: string;
  let clock: TestClock;
  let desk: TestDesk;
  let requesters = 0;
  const running: DeskboltProcess[] = [];

  beforeAll(async () => {
    fake = await startTestFake();
    dbName = testDatabaseName('recovery');
    store = await openTestStore('recovery', { dbName });
    clock = new TestClock();
    desk = await startTestDesk({ store, fake, clock });
  });
  afterAll(async () => {
    for (const child of running) await child.stop();
    await desk.close();
    await store.close();
    await fake.close();
  });

  /**
   * Processes start slowly (seconds, compiling the app) on a busy machine, so the process that
   * recovered one test's work is the one the next test kills; a test that finds none starts one.
   */
  let spare: DeskboltProcess | undefined;

  async function startProcess(): Promise<DeskboltProcess> {
    const child = await DeskboltProcess.start({ fake, dbName, clock: clock.now() });
    running.push(child);
    return child;
  }

  /** A process that will stop for good once it has recorded `step`. */
  async function processPausingAt(step: string): Promise<DeskboltProcess> {
    const child = spare ?? (await startProcess());
    spare = undefined;
    await child.setClock(clock.now());
    await child.pauseAt(step);
    return child;
  }

  async function kill(child: DeskboltProcess): Promise<void> {
    await child.kill();
    running.splice(running.indexOf(child), 1);
  }

  /** Runs jobs in a process as its cron would at the test's time, the process's clock set to it first. */
  async function runJobs(child: DeskboltProcess, ...jobs: string[]): Promise<Record<string, unknown>[]> {
    await child.setClock(clock.now());
    const runs = [];
    for (const job of jobs) runs.push(await child.run(job));
    return runs;
  }

  const newRequester = () => `UREQK${String(++requesters).padStart(3, '0')}`;
  const dmTextsTo = (user: string) => fake.dmsTo(user).map((call) => String(call.args.text));
  const count = (events: TicketEvent[], action: string, status?: string) =>
    events.filter(
      (event) =>
        event.action === action &&
        (status === undefined || (event.to as { status?: string } | undefined)?.status === status),
    ).length;

  describe('a merge', () => {
    const cases: { step: MergeStep; sourceFirst?: boolean }[] = [
      { step: 'first-claim' },
      // The source filed first: it is held first (state claiming) and the target claimed after.
      { step: 'first-claim', sourceFirst: true },
      { step: 'marked' },
      { step: 'comment-copied' },
      { step: 'copied' },
      { step: 'told' },
      { step: 'target-noted' },
      { step: 'closed' },
    ];
    for (const { step, sourceFirst } of cases) {
      it(`killed after “${step}”${sourceFirst ? ' (source filed first)' : ''}: the next process finishes it, once`, async () => {
        const asker = desk.deskbolt.desk;
        const requester = newRequester();
        const fileTarget = () =>
          fileTicket(
            { ...asker, testClock: clock },
            { subject: 'Charged twice', requester: { kind: 'slack', userId: people.customer } },
          );
        const fileSource = () =>
          fileTicket(
            { ...asker, testClock: clock },
            {
              subject: 'Double charge',
              description: 'Two charges on my card',
              requester: { kind: 'slack', userId: requester },
            },
          );
        const first = sourceFirst ? await fileSource() : await fileTarget();
        const second = sourceFirst ? await fileTarget() : await fileSource();
        const [s, t] = sourceFirst ? [first.number, second.number] : [second.number, first.number];
        clock.advance(1000);
        await replyToTicket(asker, {
          number: s,
          agent: people.ana,
          text: 'Looking into it',
          kind: 'public',
          status: 'open',
        });
        clock.advance(1000);
        await replyToTicket(asker, {
          number: s,
          agent: people.ana,
          text: 'Probably a duplicate',
          kind: 'internal',
          status: 'open',
        });
        await desk.settled();
        const noticesBefore = dmTextsTo(requester).length;

        // The replica that dies: an agent confirms the merge there, and it stops for good after `step`.
        const dying = await processPausingAt(`merge:${step}`);
        const slack = new SlackClientSim({ url: dying.url, signingSecret: SIGNING_SECRET, fake });
        await slack.command(people.ben, '/ticket', `merge ${s} into ${t}`);
        await dying.settled();
        const confirm = fake.okCalls('views.open').at(-1)!.response.view;
        await slack.viewSubmission(people.ben, {
          id: confirm.id,
          callback_id: confirm.callback_id,
          private_metadata: confirm.private_metadata,
          state: { values: {} },
        });
        expect(await dying.paused()).toEqual({ workflow: 'merge', step, ticket: s });
        await kill(dying);
        const notice = (text: string) => text.includes(`now handled together with #${t}`);
        expect(dmTextsTo(requester).filter(notice)).toEqual([]);

        // The next replica: first the jobs that run every minute anyway, long enough after for leftovers.
        const next = await startProcess();
        clock.advance(LEFTOVERS_AGE_MS);
        await runJobs(next, 'delivery-retries', 'sweep-leftovers');
        const closedYet = (await store.tickets.get(s))!.status === 'closed';
        // Nothing reaches the requester before their ticket is closed as merged.
        expect(dmTextsTo(requester).filter(notice)).toHaveLength(closedYet ? 1 : 0);

        clock.advance(MERGE_GRACE_MS);
        const [finished] = await runJobs(next, 'finish-merges', 'delivery-retries');
        expect(finished).toMatchObject({ ran: true });
        spare = next;

        const after = (await store.tickets.get(s))!;
        expect(after).toMatchObject({ status: 'closed', mergedInto: t, merge: { state: 'done' } });
        expect((await store.tickets.get(t))!).toMatchObject({ status: 'new', mergedInto: null });
        expect(Object.keys((await store.tickets.get(t))!.mergingIn ?? {})).toEqual([]);
        const copies = (await store.tickets.comments(t)).filter((comment) => comment.text.startsWith(`From #${s} `));
        expect(copies.map((comment) => comment.text.split('\n')[0])).toEqual([
          `From #${s} (the original request “Double charge”):`,
          `From #${s} (public reply):`,
          `From #${s} (internal note):`,
        ]);
        expect(dmTextsTo(requester).filter(notice)).toHaveLength(1);
        expect(dmTextsTo(requester).length - noticesBefore).toBe(1);
        expect(
          (await store.tickets.comments(s)).filter(
            (comment) => notice(comment.text) || comment.text.includes('now handled together with'),
          ),
        ).toHaveLength(1);
        const sourceEvents = await store.tickets.history(s);
        expect(count(sourceEvents, 'merged_into')).toBe(1);
        expect(count(sourceEvents, 'status_changed', 'closed')).toBe(1);
        expect(new Set(sourceEvents.map((event) => event.id)).size).toBe(sourceEvents.length);
        expect(count(await store.tickets.history(t), 'merged_from')).toBe(1);
        expect((await store.tickets.withOutbox(s))!.outbox).toEqual([]);
        expect((await store.tickets.withOutbox(t))!.outbox).toEqual([]);
      });
    }
  });

  describe('an accepted transfer', () => {
    let steps: ReturnType<typeof chatSteps>;
    beforeAll(() => {
      steps = chatSteps(desk);
    });
    const takenOver = (chat: Chat) =>
      fake
        .messages(chat.requesterDm)
        .filter((message) => message.text?.includes(`has taken over your chat #${chat.ticketNumber}`));

    for (const step of ['accepted', 'chat-moved', 'ticket-moved', 'done'] as const) {
      it(`killed after “${step}”: the next process moves chat and ticket, and the requester hears it once`, async () => {
        for (const agent of [people.ana, people.ben]) await steps.status(agent, 'offline');
        const chat = await steps.liveChat(newRequester(), people.ana);
        await steps.status(people.ben, 'online');
        await desk.slack.command(people.ana, '/ticket', `transfer ${chat.ticketNumber} <@${people.ben}>`);
        await desk.settled();
        const request = (await store.chats.openTransferOf(chat.ticketNumber))!;
        const bensDm = fake.dmChannelOf(people.ben);
        const offer = fake
          .messages(bensDm)
          .find((message) => JSON.stringify(message.blocks ?? []).includes(request.id))!;

        const dying = await processPausingAt(`transfer:${step}`);
        const slack = new SlackClientSim({ url: dying.url, signingSecret: SIGNING_SECRET, fake });
        await slack.blockAction(
          people.ben,
          { action_id: actionIds.acceptTransfer, value: request.id },
          { channel: bensDm, message: { ts: offer.ts } },
        );
        expect(await dying.paused()).toEqual({ workflow: 'transfer', step, ticket: chat.ticketNumber });
        await kill(dying);
        expect(takenOver(chat)).toEqual([]);

        const next = await startProcess();
        clock.advance(LEFTOVERS_AGE_MS);
        await runJobs(next, 'delivery-retries', 'sweep-leftovers');
        const ticketMoved = (await store.tickets.get(chat.ticketNumber))!.assignee === people.ben;
        // The requester hears of the new agent only once the ticket is theirs too.
        expect(takenOver(chat)).toHaveLength(ticketMoved ? 1 : 0);

        const [finished] = await runJobs(next, 'finish-transfers');
        expect(finished).toMatchObject({ ran: true, result: step === 'done' ? 0 : 1 });
        spare = next;

        expect(await store.chats.transfer(request.id)).toMatchObject({
          state: 'accepted',
          step: 'done',
          answeredBy: people.ben,
        });
        expect((await store.chats.get(chat.ticketNumber))!).toMatchObject({ agent: people.ben, thread: chat.thread });
        expect((await store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ben);
        expect(count(await store.tickets.history(chat.ticketNumber), 'transfer_accepted')).toBe(1);
        expect(takenOver(chat)).toHaveLength(1);
        expect(
          fake
            .messages(bensDm)
            .filter((message) => message.text?.startsWith(`Chat #${chat.ticketNumber} is yours now`)),
        ).toHaveLength(1);
        expect(
          fake
            .messages(fake.dmChannelOf(people.ana))
            .filter(
              (message) => message.text === `<@${people.ben}> accepted chat #${chat.ticketNumber}; it is theirs now.`,
            ),
        ).toHaveLength(1);
        expect(JSON.stringify(fake.messages(bensDm).find((message) => message.ts === offer.ts)!.blocks)).not.toContain(
          actionIds.acceptTransfer,
        );
        expect((await store.tickets.withOutbox(chat.ticketNumber))!.outbox).toEqual([]);
      });
    }
  });
});
