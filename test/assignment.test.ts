import { describe, expect, it } from 'vitest';
import { actionIds, assignFields, callbackIds } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { deskJob } from '../src/jobs/desk-jobs.js';
import { confirmBulkMove, planBulkMove } from '../src/tickets/bulk-move.js';
import type { Ticket } from '../src/tickets/types.js';
import { chatSteps } from './support/chats.js';
import { changeTicket, fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { channels, people } from './support/workspace.js';

/** Who has a ticket: leads assign and release, agents hand over to a colleague who accepts, a lead hands an absent agent's pile over. */
describe('assigning tickets', () => {
  const desk = useTestDesk();

  const file = (overrides: Parameters<typeof fileTicket>[1] = {}) => fileTicket(desk.deskbolt.desk, overrides);
  const lastAnswer = () => String(desk.fake.responses().at(-1)!.body.text);
  const dmsTo = (user: string) => desk.fake.okCalls('chat.postMessage').filter((call) => call.args.channel === user);
  const actions = async (number: number) => (await desk.store.tickets.history(number)).map((event) => event.action);
  const mention = (user: string) => `<@${user}|someone>`;

  async function command(user: string, text: string) {
    await desk.slack.command(user, '/ticket', text);
    await desk.settled();
    return lastAnswer();
  }

  async function ticketOf(user: string): Promise<Ticket> {
    const ticket = await file();
    await command(user, `take ${ticket.number}`);
    return (await desk.store.tickets.get(ticket.number))!;
  }

  it('a lead assigns to an agent of the group: theirs at once, an event, and a DM with the card to work it from', async () => {
    const ticket = await file();
    expect(await command(people.lead, `assign ${ticket.number} ${mention(people.ben)}`)).toBe(
      `Assigned #${ticket.number} to <@${people.ben}>.`,
    );
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ assignee: people.ben, status: 'open' });
    const [event] = (await desk.store.tickets.history(ticket.number)).filter((e) => e.action === 'assigned');
    expect(event).toMatchObject({ actor: { id: people.lead }, from: { assignee: null }, to: { assignee: people.ben } });
    const dm = dmsTo(people.ben).at(-1)!;
    expect(dm.args.text).toContain(`<@${people.lead}> gave you #${ticket.number}`);
    const card = JSON.stringify(dm.args.blocks);
    expect(card).toContain(`#${ticket.number} Card was charged twice`);
    expect(card).toContain(actionIds.reply);

    // Reassigning tells the agent it was taken from where it went.
    expect(await command(people.lead, `assign ${ticket.number} Cho`)).toBe(
      `Reassigned #${ticket.number} from <@${people.ben}> to <@${people.cho}>.`,
    );
    expect(dmsTo(people.ben).at(-1)!.args.text).toContain(`reassigned #${ticket.number} to <@${people.cho}>`);
    expect(dmsTo(people.cho).at(-1)!.args.text).toContain(`gave you #${ticket.number}`);
  });

  it('refuses a non-agent, an agent of another group, and an agent who does not lead, and changes nothing', async () => {
    const ticket = await file();
    expect(await command(people.lead, `assign ${ticket.number} ${mention(people.customer)}`)).toContain(
      'is not a support agent',
    );
    expect(await command(people.lead, `assign ${ticket.number} ${mention(people.payops)}`)).toBe(
      `<@${people.payops}> is not an agent of Billing, so #${ticket.number} cannot go to them.`,
    );
    expect(await command(people.lead, `assign ${ticket.number} Nobody`)).toContain(
      'Nobody called “Nobody” is a support agent here',
    );
    // Someone who is not in the workspace at all (an id Slack would never send for a member).
    expect(await command(people.lead, `assign ${ticket.number} <@UGHOST0001|ghost>`)).toBe(
      '<@UGHOST0001> is not a support agent, so no ticket can go to them.',
    );
    expect(await command(people.ana, `assign ${ticket.number} ${mention(people.ben)}`)).toContain(
      'Only a team lead of Billing or an admin assigns',
    );
    expect(await command(people.lead, `assign ${ticket.number}x ${mention(people.ben)}`)).toContain(
      'is not a ticket number',
    );
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ assignee: null, version: ticket.version });
    expect(await actions(ticket.number)).toEqual(['created']);
  });

  it('of a lead assigning and an agent taking at the same moment, no change is lost: one wins and the other is told, or the assign reassigns from the taker', async () => {
    for (let round = 0; round < 3; round++) {
      const ticket = await file();
      await Promise.all([
        desk.slack.command(people.lead, '/ticket', `assign ${ticket.number} ${mention(people.ben)}`),
        desk.slack.blockAction(people.ana, { action_id: actionIds.take, value: String(ticket.number) }),
      ]);
      await desk.settled();
      const after = (await desk.store.tickets.get(ticket.number))!;
      const moves = (await desk.store.tickets.history(ticket.number)).filter(
        (event) => event.action === 'assigned' || event.action === 'taken',
      );
      const answers = desk.fake
        .responses()
        .slice(-2)
        .map((response) => String(response.body.text));
      if (moves.length === 1) {
        // Both read the ticket unassigned: the conditional write lets one through and tells the other.
        expect(after.assignee).toBe(moves[0]!.action === 'taken' ? people.ana : people.ben);
        expect(answers.some((text) => /changed a moment ago|was taken by/.test(text))).toBe(true);
      } else {
        // On a loaded machine the take can land before the lead's command reads the ticket: a lead may
        // reassign, and the assignment then says whom it took the ticket from (nothing overwritten blind).
        expect(moves.map((event) => event.action)).toEqual(['taken', 'assigned']);
        expect(moves[1]).toMatchObject({ from: { assignee: people.ana }, to: { assignee: people.ben } });
        expect(after.assignee).toBe(people.ben);
      }
    }
  });

  it('the assign form refuses when the ticket changed hands since it opened', async () => {
    const ticket = await file();
    await desk.slack.blockAction(people.lead, { action_id: actionIds.assign, value: String(ticket.number) });
    await desk.settled();
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(view.callback_id).toBe(callbackIds.assign);
    const nobody = await desk.slack.viewSubmission(people.lead, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, {}),
    });
    expect(nobody.json).toEqual({
      response_action: 'errors',
      errors: { [assignFields.agent]: 'Pick who should get it.' },
    });
    await command(people.ana, `take ${ticket.number}`);
    const submitted = await desk.slack.viewSubmission(people.lead, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, { [assignFields.agent]: people.ben }),
    });
    expect(submitted.json).toEqual({
      response_action: 'errors',
      errors: {
        [assignFields.agent]: `#${ticket.number} changed a moment ago: it is now Ana's. Nothing was changed; look at it again.`,
      },
    });
    expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ana);
  });

  it('the card offers Assign to a lead, Hand over to the agent who has it, Release to both, and neither to anyone else', async () => {
    const ticket = await ticketOf(people.ana);
    const buttonsFor = async (user: string) => {
      await command(user, `show ${ticket.number}`);
      return JSON.stringify(desk.fake.responses().at(-1)!.body.blocks);
    };
    const lead = await buttonsFor(people.lead);
    expect(lead).toContain(actionIds.assign);
    expect(lead).toContain(actionIds.release);
    const own = await buttonsFor(people.ana);
    expect(own).toContain(actionIds.handoff);
    expect(own).toContain(actionIds.release);
    expect(own).not.toContain(`"${actionIds.assign}"`);
    const other = await buttonsFor(people.ben);
    for (const id of [actionIds.assign, actionIds.handoff, actionIds.release]) expect(other).not.toContain(`"${id}"`);
  });

  it('an agent releases their own ticket to the queue; a colleague may not', async () => {
    const ticket = await ticketOf(people.ana);
    expect(await command(people.ben, `release ${ticket.number}`)).toBe(
      `Only <@${people.ana}>, who has #${ticket.number}, or a team lead of Billing can release it.`,
    );
    await desk.slack.blockAction(people.ana, { action_id: actionIds.release, value: String(ticket.number) });
    await desk.settled();
    expect(lastAnswer()).toBe(`Released #${ticket.number} to the queue (it was <@${people.ana}>'s).`);
    expect(await desk.store.tickets.get(ticket.number)).toMatchObject({ assignee: null, status: 'open' });
    expect(await actions(ticket.number)).toContain('released');
    expect(await command(people.ana, `release ${ticket.number}`)).toBe(
      `#${ticket.number} is not assigned to anyone; there is nothing to release.`,
    );
    await command(people.ben, 'queue');
    expect(JSON.stringify(desk.fake.responses().at(-1)!.body.blocks)).toContain(`#${ticket.number}`);
  });

  it('a live chat moves only by a transfer: assigning its ticket is refused, and a bulk hand-over leaves it', async () => {
    const chat = await chatSteps(desk).liveChat('UREQASSIGN1', people.ana);
    expect(await command(people.lead, `assign ${chat.ticketNumber} Ben`)).toContain(
      `#${chat.ticketNumber} is a live chat`,
    );
    expect(await command(people.ana, `release ${chat.ticketNumber}`)).toContain('Move it with a transfer');
    await file().then((ticket) => command(people.ana, `take ${ticket.number}`));
    await command(people.lead, `reassign ${mention(people.ana)} Ben`);
    const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
    expect(JSON.stringify(view.blocks)).toContain(`1 live chat(s) stay with <@${people.ana}>`);
    const plan = (await desk.store.assignments.bulkMove(JSON.parse(view.private_metadata).moveId))!;
    expect(plan.items.map((item) => item.number)).not.toContain(chat.ticketNumber);
    expect((await desk.store.tickets.get(chat.ticketNumber))!.assignee).toBe(people.ana);
  });

  describe('hand-overs between agents', () => {
    /** The offer in the colleague's DM, where the app posted it (once answered it shows no buttons, so no id). */
    async function offerTo(user: string, handoffId: string) {
      const [place] = (await desk.store.assignments.handoff(handoffId))!.offers;
      return desk.fake.messages(desk.fake.dmChannelOf(user)).find((message) => message.ts === place!.ts)!;
    }

    async function click(user: string, actionId: string, handoffId: string) {
      const offer = await offerTo(people.ben, handoffId);
      // An offer already answered shows no buttons; a click from a screen that has not refreshed yet still arrives.
      const onScreen = JSON.stringify(offer.blocks ?? []).includes(actionId);
      await desk.slack.blockAction(
        user,
        { action_id: actionId, value: handoffId },
        onScreen ? { channel: offer.channel, message: { ts: offer.ts } } : { channel: offer.channel },
      );
      await desk.settled();
    }

    async function handOver(ticket: Ticket) {
      const answer = await command(people.ana, `assign ${ticket.number} ${mention(people.ben)}`);
      expect(answer).toContain(
        `Asked <@${people.ben}> to take over #${ticket.number}. It stays yours until they accept`,
      );
      return (await desk.store.assignments.waitingHandoffOf(ticket.number))!;
    }

    it('nothing moves until the colleague accepts; then it is theirs, the offer says so and the asker is told', async () => {
      const ticket = await ticketOf(people.ana);
      const handoff = await handOver(ticket);
      expect((await desk.store.tickets.get(ticket.number))!).toMatchObject({
        assignee: people.ana,
        version: ticket.version,
      });
      expect(JSON.stringify((await offerTo(people.ben, handoff.id)).blocks)).toContain(actionIds.declineHandoff);

      await click(people.cho, actionIds.acceptHandoff, handoff.id);
      expect(lastAnswer()).toBe(`This hand-over request is for <@${people.ben}>; only they can answer it.`);
      await click(people.ben, actionIds.acceptHandoff, handoff.id);
      expect(lastAnswer()).toBe(`#${ticket.number} is yours now.`);
      expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ben);
      const offer = await offerTo(people.ben, handoff.id);
      expect(JSON.stringify(offer.blocks)).not.toContain(actionIds.acceptHandoff);
      expect(JSON.stringify(offer.blocks)).toContain('Accepted by');
      expect(dmsTo(people.ana).at(-1)!.args.text).toBe(
        `<@${people.ben}> accepted #${ticket.number}: it is theirs now.`,
      );
      expect(await actions(ticket.number)).toEqual(['created', 'taken', 'handoff_requested', 'assigned']);
      await click(people.ben, actionIds.acceptHandoff, handoff.id);
      expect(lastAnswer()).toContain('was already accepted');
    });

    it('the ticket’s live message follows every move, each with a short line in its thread', async () => {
      const ticket = await file();
      await command(people.lead, `assign ${ticket.number} ${mention(people.ana)}`);
      const handoff = await handOver((await desk.store.tickets.get(ticket.number))!);
      await click(people.ben, actionIds.acceptHandoff, handoff.id);
      await command(people.lead, `release ${ticket.number}`);
      const messages = desk.fake.messages(channels.billingAlerts);
      const live = messages.find((message) => !message.threadTs && message.text?.startsWith(`#${ticket.number} `))!;
      expect(live.text).toBe(`#${ticket.number} Card was charged twice · open · unassigned`);
      expect(messages.filter((message) => message.threadTs === live.ts).map((message) => message.text)).toEqual([
        `:bust_in_silhouette: Assigned to <@${people.ana}> by <@${people.lead}>`,
        `:handshake: <@${people.ana}> asked <@${people.ben}> to take it over`,
        `:handshake: <@${people.ben}> took it over from <@${people.ana}>`,
        `:leftwards_arrow_with_hook: Back in the queue (it was with <@${people.ben}>), released by <@${people.lead}>`,
      ]);
    });

    it('a decline, or the expiry, leaves it with the asker, who is told; one request at a time', async () => {
      const ticket = await ticketOf(people.ana);
      const handoff = await handOver(ticket);
      expect(await command(people.ana, `assign ${ticket.number} Cho`)).toContain(
        `already has a hand-over request waiting for <@${people.ben}>`,
      );
      await click(people.ben, actionIds.declineHandoff, handoff.id);
      expect(dmsTo(people.ana).at(-1)!.args.text).toBe(
        `<@${people.ben}> declined #${ticket.number}: it stays with you.`,
      );
      expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ana);

      const second = await handOver(ticket);
      desk.clock.advance(61 * 60_000);
      await desk.deskbolt.jobs.run(deskJob('handoff-expiry'));
      expect(await desk.store.assignments.handoff(second.id)).toMatchObject({ state: 'expired' });
      expect(dmsTo(people.ana).at(-1)!.args.text).toContain('expired with no answer: it stays with you');
      expect(JSON.stringify((await offerTo(people.ben, second.id)).blocks)).toContain('Expired with no answer');
      await click(people.ben, actionIds.acceptHandoff, second.id);
      expect(lastAnswer()).toContain('expired');
      expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ana);
    });

    it('a hand-over is void once a lead moves the ticket', async () => {
      const ticket = await ticketOf(people.ana);
      const handoff = await handOver(ticket);
      await command(people.lead, `assign ${ticket.number} Cho`);
      expect(await desk.store.assignments.handoff(handoff.id)).toMatchObject({ state: 'cancelled' });
      expect(JSON.stringify((await offerTo(people.ben, handoff.id)).blocks)).toContain(
        'the ticket changed hands meanwhile',
      );
      await click(people.ben, actionIds.acceptHandoff, handoff.id);
      expect(lastAnswer()).toContain('was cancelled');
      expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.cho);
    });
  });

  describe('handing over an absent agent’s tickets', () => {
    /** Cho (Billing and PayOps) is away: three open and one pending in Billing, one in PayOps that Lee does not lead. */
    async function chosPile() {
      const billing: Ticket[] = [];
      for (let i = 0; i < 4; i++) billing.push(await ticketOf(people.cho));
      const pending = billing[3]!;
      await changeTicket(
        desk.deskbolt.desk,
        pending.number,
        {},
        { status: 'pending', pendingSince: desk.clock.now() },
        [],
        desk.clock.now(),
      );
      const payops = await file({ groupId: 20 });
      await command(people.cho, `take ${payops.number}`);
      return { billing, pending, payops };
    }

    async function clearCho() {
      for (const ticket of await desk.store.tickets.assignedTo(people.cho, ['new', 'open', 'pending'], 100)) {
        await changeTicket(
          desk.deskbolt.desk,
          ticket.number,
          {},
          { status: 'solved', solvedAt: desk.clock.now() },
          [],
          desk.clock.now(),
        );
      }
    }

    it('counts and asks first; once confirmed, moves them, keeps pending pending, and tells the new agent once', async () => {
      await clearCho();
      const { billing, pending, payops } = await chosPile();
      expect(await command(people.ana, `reassign ${mention(people.cho)} ${mention(people.ben)}`)).toBe(
        'Only team leads and admins hand over another agent’s tickets.',
      );
      expect(await command(people.lead, `reassign ${mention(people.cho)} ${mention(people.customer)}`)).toContain(
        'is not a support agent',
      );
      expect(await command(people.lead, `reassign ${mention(people.cho)}`)).toContain('Say whose tickets, and to whom');
      await command(people.lead, `reassign ${mention(people.cho)} ${mention(people.ben)}`);
      const view = desk.fake.okCalls('views.open').at(-1)!.response.view;
      const text = JSON.stringify(view.blocks);
      expect(text).toContain(`Hand *4* of <@${people.cho}>'s tickets (3 open, 1 pending) to <@${people.ben}>`);
      expect(text).toContain('1 in groups you do not lead stay');
      expect(view.submit.text).toBe('Hand over 4');
      // Nothing moved yet.
      expect((await desk.store.tickets.get(billing[0]!.number))!.assignee).toBe(people.cho);

      // One of them is solved while the lead reads: it is left alone.
      await changeTicket(
        desk.deskbolt.desk,
        billing[0]!.number,
        {},
        { status: 'solved', solvedAt: desk.clock.now() },
        [],
        desk.clock.now(),
      );
      desk.fake.clearCalls();
      await desk.slack.viewSubmission(people.lead, {
        id: view.id,
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: viewStateFrom(view, {}),
      });
      await desk.settled();
      expect(dmsTo(people.lead).at(-1)!.args.text).toBe(
        `Handed 3 of <@${people.cho}>'s tickets to <@${people.ben}> (1 had changed meanwhile and were left alone).`,
      );
      for (const ticket of billing.slice(1))
        expect((await desk.store.tickets.get(ticket.number))!.assignee).toBe(people.ben);
      expect((await desk.store.tickets.get(pending.number))!.status).toBe('pending');
      expect((await desk.store.tickets.get(payops.number))!.assignee).toBe(people.cho);
      expect((await desk.store.tickets.get(billing[0]!.number))!.assignee).toBe(people.cho);
      const bens = dmsTo(people.ben);
      expect(bens).toHaveLength(1);
      expect(bens[0]!.args.text).toContain(`handed you 3 of <@${people.cho}>'s tickets`);

      // The same confirmation submitted again runs nothing twice.
      await desk.slack.viewSubmission(people.lead, {
        id: view.id,
        callback_id: view.callback_id,
        private_metadata: view.private_metadata,
        state: viewStateFrom(view, {}),
      });
      await desk.settled();
      expect(dmsTo(people.lead).at(-1)!.args.text).toBe('This hand-over was already confirmed; it runs once.');
      for (const ticket of billing.slice(1))
        expect((await actions(ticket.number)).filter((action) => action === 'assigned')).toHaveLength(1);
    });

    it('to the queue, and a run cut half-way is finished by the job, each ticket moved once', async () => {
      await clearCho();
      const { billing } = await chosPile();
      const lead = desk.deskbolt.desk;
      const plan = await planBulkMove(lead, { by: people.lead, from: people.cho, to: null });
      if (!plan.ok) throw new Error(plan.code);
      // The process dies after moving the second ticket, before recording it.
      await expect(
        confirmBulkMove(
          lead,
          { moveId: plan.move.id, by: people.lead },
          {
            afterMove: (position) => {
              if (position === 1) throw new Error('killed');
            },
          },
        ),
      ).rejects.toThrow('killed');
      await desk.settled();
      expect((await desk.store.assignments.bulkMove(plan.move.id))!).toMatchObject({ state: 'running', position: 1 });
      expect((await desk.store.tickets.get(billing[2]!.number))!.assignee).toBe(people.cho);

      // Too soon: a live run may still be going.
      await desk.deskbolt.jobs.run(deskJob('bulk-moves'));
      expect((await desk.store.assignments.bulkMove(plan.move.id))!.state).toBe('running');
      desk.clock.advance(3 * 60_000);
      await desk.deskbolt.jobs.run(deskJob('bulk-moves'));
      expect((await desk.store.assignments.bulkMove(plan.move.id))!).toMatchObject({
        state: 'done',
        moved: 4,
        skipped: 0,
      });
      for (const ticket of billing) {
        expect((await desk.store.tickets.get(ticket.number))!.assignee).toBeNull();
        expect((await actions(ticket.number)).filter((action) => action === 'released')).toHaveLength(1);
      }
      expect(dmsTo(people.lead).at(-1)!.args.text).toBe(`Handed 4 of <@${people.cho}>'s tickets to the queue.`);
    });
  });
});
