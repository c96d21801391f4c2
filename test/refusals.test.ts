import { describe, expect, it } from 'vitest';
import { slackWords } from '../src/slack/words.js';
import { describeRefusal, refusalStatus, refuse } from '../src/tickets/refusals.js';
import { Directory } from '../src/workspace/directory.js';
import { people, testWorkspace } from './support/workspace.js';

/** A refusal is a code and its facts; each surface says it in its own words. */
describe('coded refusals', () => {
  const directory = new Directory(testWorkspace());
  const plain = {
    person: (id: string) => directory.agent(id)?.name ?? 'someone',
    group: (id: number) => directory.groupName(id),
    quote: (text: string) => text,
    code: (text: string) => text,
    groupList: () => 'Billing (10), PayOps (20)',
  };

  it('names a person as a mention in Slack and by name elsewhere', () => {
    const taken = refuse('taken_by', { number: 1004, agent: people.ana });
    expect(describeRefusal(taken, slackWords(directory))).toBe(`#1004 was taken by <@${people.ana}> a moment ago.`);
    expect(describeRefusal(taken, plain)).toBe('#1004 was taken by Ana a moment ago.');
  });

  it('shows what a person typed as text in Slack: it can never ping or link', () => {
    const typed = refuse('not_a_ticket_number', { typed: '<!channel> & <@UBEN0002>' });
    expect(describeRefusal(typed, slackWords(directory))).toBe(
      '“&lt;!channel&gt; &amp; &lt;@UBEN0002&gt;” is not a ticket number. Try something like `#1004`.',
    );
    expect(describeRefusal(typed, plain)).toBe(
      '“<!channel> & <@UBEN0002>” is not a ticket number. Try something like #1004.',
    );
  });

  it('answers each kind of no with its status: 403 not allowed, 404 no such thing, 409 the state says no, 422 wrong input', () => {
    expect(refusalStatus(refuse('not_an_agent'))).toBe(403);
    expect(refusalStatus(refuse('outside_group', { number: 1, groupId: 10 }))).toBe(403);
    expect(refusalStatus(refuse('no_such_ticket', { number: 1 }))).toBe(404);
    expect(refusalStatus(refuse('taken_by', { number: 1, agent: people.ana }))).toBe(409);
    expect(refusalStatus(refuse('changed_since_opened', { number: 1 }))).toBe(409);
    expect(refusalStatus(refuse('nobody_available', { groupId: 20 }))).toBe(409);
    expect(refusalStatus(refuse('invalid', { message: 'at most 150 characters' }))).toBe(422);
    expect(refusalStatus(refuse('no_such_group', { groupId: 99 }))).toBe(422);
  });

  it('keeps the sentence support teams learn word for word', () => {
    expect(describeRefusal(refuse('nobody_available', { groupId: 20 }), slackWords(directory))).toBe(
      'nobody is available in PayOps right now — the chat stays with you',
    );
  });
});
