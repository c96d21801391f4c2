import { describe, expect, it } from 'vitest';
import { actionIds, replyFields } from '../blocks/ids.js';
import { viewStateFrom } from '../src/fake-slack/requests.js';
import type { ManagedArticle } from '../src/store/managed-articles.js';
import { createManaged, retireManaged } from '../src/tickets/desk-admin.js';
import { fileTicket } from './support/desk.js';
import type { TestDesk } from './support/harness.js';
import { useTestDesk } from './support/use-test-desk.js';
import { people, testWorkspace } from './support/workspace.js';

const admin = 'UADMIN18';

/** The test workspace with an admin, and a file article whose address holds what would break a link. */
function workspace() {
  const base = testWorkspace();
  return testWorkspace({
    agents: [...base.agents, { user: admin, name: 'Ada', groups: [10], role: 'admin' }],
    articles: [
      ...base.articles,
      {
        title: 'Refunds & chargebacks',
        url: 'https://help.example.com/find?q=refund&x=<!channel>|fake',
        keywords: ['refund', 'chargeback'],
      },
    ],
  });
}

async function managedArticle(desk: TestDesk, title: string): Promise<ManagedArticle> {
  const saved = await createManaged(desk.deskbolt.desk, 'article', admin, {
    title,
    url: `https://help.example.com/${title.toLowerCase().replace(/\W+/g, '-')}`,
    summary: '',
    keywords: 'vpn',
  });
  if (!saved.ok) throw new Error(`not saved: ${saved.code}`);
  return saved.entry;
}

async function retire(desk: TestDesk, article: ManagedArticle): Promise<void> {
  const current = (await desk.store.managedArticles.get(article.id))!;
  const retired = await retireManaged(desk.deskbolt.desk, 'article', admin, current);
  expect(retired.ok).toBe(true);
}

async function openReplyForm(desk: TestDesk, subject: string): Promise<any> {
  const ticket = await fileTicket(desk.deskbolt.desk, { subject });
  await desk.slack.blockAction(people.ana, { action_id: actionIds.reply, value: String(ticket.number) });
  await desk.settled();
  return desk.fake.okCalls('views.open').at(-1)!.response.view;
}

const latestView = (desk: TestDesk) => desk.fake.okCalls('views.update').at(-1)!.response.view;
const textOf = (view: any) =>
  Object.values(viewStateFrom(view, {}).values).find((block: any) => replyFields.text in block)![replyFields.text]
    .value;

async function clickLink(desk: TestDesk, view: any, value: string): Promise<any> {
  await desk.slack.blockAction(
    people.ana,
    { action_id: replyFields.linkArticle, value },
    { view: { ...view, state: viewStateFrom(view, {}) } },
  );
  await desk.settled();
  return latestView(desk);
}

/** The reply form names articles by a key of their own, not by their place in a list admins change. */
describe('knowledge-base articles picked in the reply form', () => {
  const desk = useTestDesk({ workspace: workspace() });

  it('a pick stays the article picked when an admin retires another meanwhile; a retired one links nothing, saying so', async () => {
    const alpha = await managedArticle(desk, 'Alpha VPN setup');
    const beta = await managedArticle(desk, 'Beta VPN setup');
    const view = await openReplyForm(desk, 'Question about tunnels');
    const typed = await desk.slack.blockSuggestion(
      people.ana,
      { action_id: replyFields.kbSearch, value: 'vpn' },
      { view },
    );
    expect(typed.problems ?? []).toEqual([]);
    expect(typed.json.options).toEqual([
      { text: { type: 'plain_text', text: 'Alpha VPN setup', emoji: true }, value: `m:${alpha.id}` },
      { text: { type: 'plain_text', text: 'Beta VPN setup', emoji: true }, value: `m:${beta.id}` },
    ]);

    const pick = async (view: any, option: any) => {
      await desk.slack.blockAction(
        people.ana,
        { action_id: replyFields.kbSearch, selected_option: option },
        { view: { ...view, state: viewStateFrom(view, {}) } },
      );
      await desk.settled();
      return latestView(desk);
    };
    const previewOf = (view: any) => view.blocks.find((block: any) => block.block_id === 'reply_kb_preview');
    const goneNote = (view: any) =>
      view.blocks.find((block: any) => block.block_id === 'reply_kb_gone')?.elements[0].text;
    const linkedBeta = 'Beta VPN setup: https://help.example.com/beta-vpn-setup';

    const previewed = await pick(view, typed.json.options[1]);
    expect(previewOf(previewed).text.text).toBe('<https://help.example.com/beta-vpn-setup|Beta VPN setup>');
    expect(previewOf(previewed).accessory.value).toBe(`m:${beta.id}`);

    // Alpha goes: Beta now sits where Alpha was in the list.
    await retire(desk, alpha);
    const linked = await clickLink(desk, previewed, `m:${beta.id}`);
    expect(textOf(linked)).toBe(linkedBeta);
    expect(goneNote(linked)).toBeUndefined();

    // A position, as a form opened by an older release carries, is no key: it links nothing.
    const byPosition = await clickLink(desk, await pick(linked, typed.json.options[1]), 'kb:1');
    expect(textOf(byPosition)).toBe(linkedBeta);
    const gone =
      'That article is no longer in the knowledge base (retired or removed since the form showed it): nothing was linked. Search again for the articles offered now.';
    expect(goneNote(byPosition)).toBe(gone);

    // Beta goes too, between the pick and the Link: nothing is linked, and the form says why.
    const pickedAgain = await pick(byPosition, typed.json.options[1]);
    expect(goneNote(pickedAgain)).toBeUndefined();
    await retire(desk, beta);
    // Later than the same click on this form counts as a double click.
    desk.clock.advance(60_000);
    const afterRetired = await clickLink(desk, pickedAgain, `m:${beta.id}`);
    expect(textOf(afterRetired)).toBe(linkedBeta);
    expect(goneNote(afterRetired)).toBe(gone);

    // A pick from a list shown before its article went: no preview, the same answer.
    const pickedGone = await pick(afterRetired, typed.json.options[0]);
    expect(previewOf(pickedGone)).toBeUndefined();
    expect(goneNote(pickedGone)).toBe(gone);
  });

  it('a suggested article’s Link carries its key, and the file’s address is escaped as Slack escapes a typed link', async () => {
    const view = await openReplyForm(desk, 'Refund for a chargeback');
    const suggested = view.blocks.find((block: any) => block.accessory?.action_id === replyFields.linkArticle);
    expect(suggested.accessory.value).toBe('f:refunds & chargebacks');
    expect(suggested.text.text).toBe(
      '<https://help.example.com/find?q=refund&amp;x=%3C!channel%3E%7Cfake|Refunds &amp; chargebacks>',
    );
    const linked = await clickLink(desk, view, suggested.accessory.value);
    // The text box is plain text the agent edits: the address goes in as the file has it.
    expect(textOf(linked)).toBe('Refunds & chargebacks: https://help.example.com/find?q=refund&x=<!channel>|fake');
  });
});
