import { describe, expect, it, onTestFinished } from 'vitest';
import { actionIds, macroSaveFields, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import { fileTicket } from './support/desk.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

/** More shared macros than Slack shows in one answer: every one must still be found by its words. */
const SHARED = Array.from({ length: 150 }, (_, i) => ({
  name: `Shipping update ${i + 1}`,
  text: `Your parcel number ${i + 1} left the warehouse${i === 137 ? ' via zeppelin' : ''}.`,
}));

/** The reply form's macro picker (options loaded as the agent types) and an agent's own macros from Slack. */
describe('the macro picker and my macros', () => {
  const desk = useTestDesk(() => ({ workspace: testWorkspace({ macros: SHARED }) }));
  const openedView = () => desk.fake.okCalls('views.open').at(-1)!.response.view;

  async function openReply(user: string) {
    const ticket = await fileTicket(desk.deskbolt.desk, {});
    onTestFinished(async () => {
      await desk.store.models.Ticket.collection.deleteOne({ number: ticket.number });
    });
    await desk.slack.blockAction(user, { action_id: actionIds.reply, value: String(ticket.number) });
    await desk.settled();
    return openedView();
  }

  async function saveMacro(user: string, command: string, text?: string, kind?: 'public' | 'internal') {
    await desk.slack.command(user, '/ticket', command);
    await desk.settled();
    const view = openedView();
    const answers: Record<string, unknown> = {};
    if (text !== undefined) answers[macroSaveFields.text] = text;
    if (kind) answers[macroSaveFields.kind] = kind;
    const response = await desk.slack.viewSubmission(user, {
      id: view.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata,
      state: viewStateFrom(view, answers),
    });
    await desk.settled();
    return { view, response };
  }

  it('finds macros by any word of their name or text, the agent’s own first, the best 100 of more than 100', async () => {
    onTestFinished(async () => {
      await desk.store.macros.remove(people.ana, 'Shipping delay sorry');
    });
    await saveMacro(people.ana, 'macro save Shipping delay sorry', 'Sorry, your parcel is late.');
    const view = await openReply(people.ana);
    const picker = view.blocks.find((block: any) => block.block_id === 'reply_macro_picker');
    expect(picker.elements[0].type).toBe('external_select');

    const all = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.macro, value: 'parcel' },
      { view },
    );
    expect(all.problems ?? []).toEqual([]);
    expect(all.json.option_groups.map((group: any) => group.label.text)).toEqual(['My macros', 'Shared macros']);
    expect(all.json.option_groups[0].options.map((o: any) => o.text.text)).toEqual(['Shipping delay sorry']);
    expect(all.json.option_groups[1].options).toHaveLength(99);

    // A word only in the text of the 138th shared macro finds it: no cap hides it.
    const deep = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.macro, value: 'ZEPPELIN' },
      { view },
    );
    expect(deep.json).toEqual({
      options: [
        { text: { type: 'plain_text', text: 'Shipping update 138', emoji: true }, value: expect.stringMatching(/^s:/) },
      ],
    });
    const nothing = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.macro, value: 'parcel xyzzy' },
      { view },
    );
    expect(nothing.json).toEqual({ options: [] });

    await desk.slack.blockAction(
      people.ana,
      { action_id: replyFields.macro, selected_option: deep.json.options[0] },
      { view: { ...view, state: viewStateFrom(view, {}) } },
    );
    await desk.settled();
    const updated = desk.fake.okCalls('views.update').at(-1)!.response.view;
    expect(viewStateFrom(updated, {}).values[`${replyFields.text}__2`]![replyFields.text].value).toBe(
      'Your parcel number 138 left the warehouse via zeppelin.',
    );

    // Someone who is not an agent gets nothing back.
    expect(
      (await desk.slack.blockSuggestion(people.customer, { action_id: replyFields.macro, value: 'parcel' }, { view }))
        .json,
    ).toEqual({ options: [] });
  });

  it('`/ticket macro edit NAME` opens the macro filled in and saves over it; `/ticket macro delete NAME` removes it and frees its place', async () => {
    onTestFinished(async () => {
      await desk.store.macros.remove(people.ben, 'Greeting');
    });
    await saveMacro(people.ben, 'macro save Greeting', 'Hello <!channel>');
    const edited = await saveMacro(people.ben, 'macro edit Greeting', 'Hello there', 'public');
    expect(edited.view.title.text).toBe('Edit my macro');
    const opened = viewStateFrom(edited.view, {}).values;
    expect(opened[macroSaveFields.text]![macroSaveFields.text].value).toBe('Hello <!channel>');
    expect(opened[macroSaveFields.name]![macroSaveFields.name].value).toBe('Greeting');
    expect(await desk.store.macros.ofAgent(people.ben)).toMatchObject([
      { name: 'Greeting', text: 'Hello there', public: true },
    ]);

    await desk.slack.command(people.ben, '/ticket', 'macro edit Nope');
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toContain('no personal macro of that name');

    await desk.slack.command(people.ben, '/ticket', 'macro delete Greeting');
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toBe('Deleted your macro “Greeting”.');
    expect(await desk.store.macros.ofAgent(people.ben)).toEqual([]);
    await desk.slack.command(people.ben, '/ticket', 'macro delete Greeting');
    await desk.settled();
    expect(String(desk.fake.responses().at(-1)!.body.text)).toContain('no personal macro of that name');

    // The freed place counts: the limit is of macros the agent has now.
    for (let i = 1; i <= 20; i++) await saveMacro(people.ben, `macro save b-${i}`, `t ${i}`);
    expect(await desk.store.macros.ofAgent(people.ben)).toHaveLength(20);
    for (let i = 1; i <= 20; i++) await desk.store.macros.remove(people.ben, `b-${i}`);
  });
});
