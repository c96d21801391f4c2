import { describe, expect, it } from 'vitest';
import { conversationModal, conversationParts, textPieces } from '../blocks/conversation.js';
import { escapeMrkdwn } from '../blocks/text.js';
import type { ConversationEntry } from '../src/tickets/conversation.js';

const asSeen = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function entry(id: string, text: string, extra: Partial<ConversationEntry> = {}): ConversationEntry {
  return {
    id,
    kind: 'public',
    author: { kind: 'agent', id: 'UANA0001' },
    origin: 'reply-form',
    mergedFrom: null,
    at: new Date('2026-11-02T09:00:00Z'),
    text,
    files: [],
    ...extra,
  };
}

/** The Conversation's pure parts: text in pieces a section holds, and pages in parts a modal holds. */
describe('the Conversation in blocks', () => {
  it('cuts text into pieces of at most 3,000 characters once escaped, at a break where one is near, losing nothing', () => {
    const text = `${'word & <tag> '.repeat(700)}\n${'x'.repeat(7000)}`;
    const pieces = textPieces(text);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(escapeMrkdwn(piece).length).toBeLessThanOrEqual(3000);
    // Words are not split where a space is near; a run with no break is cut where the piece is full.
    expect(pieces[0]!.endsWith(' ')).toBe(true);
    expect(pieces.some((piece) => /^x+$/.test(piece) && piece.length === 3000)).toBe(true);
  });

  it('a single entry longer than a modal holds goes on in the next part, its heading repeated and marked continued', () => {
    const huge = '&'.repeat(200_000);
    const parts = conversationParts([entry('a', 'short'), entry('b', huge)], 'UTC');
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(97);
    const sections = parts.flat().filter((block) => block.type === 'section') as { text: { text: string } }[];
    expect(
      sections
        .slice(1)
        .map((block) => asSeen(block.text.text))
        .join(''),
    ).toBe(huge);
    expect(JSON.stringify(parts[1]![0])).not.toContain('_continued_');
    expect(JSON.stringify(parts[2]![0])).toContain('_continued_');
  });

  it('marks internal notes, names where an entry came from and a merge’s source, and lists files escaped', () => {
    const view = conversationModal({
      ticket: { number: 1002, subject: 'Refund <b>', mergedInto: null },
      entries: [
        entry('n', 'checked', { kind: 'internal' }),
        entry('m', 'From #1004 (requester):\nhi', {
          kind: 'internal',
          origin: 'merge',
          mergedFrom: 1004,
          author: { kind: 'requester', id: 'carla@example.com', name: 'Carla <C>' },
        }),
        entry('f', 'see attached', {
          files: [{ name: 'invoice <1>.pdf', link: 'https://files.example.com/a|b' }, { name: 'photo & co.png' }],
        }),
      ],
      page: 0,
      pages: 1,
      part: 0,
      total: 3,
      internal: true,
      mergedIn: [1004],
      timeZone: 'UTC',
    });
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain(
      ':lock: *Internal note* (agents only, never sent to the requester) · <@UANA0001> · via reply form',
    );
    expect(shown).toContain('Carla &lt;C&gt; · from #1004 (merged in)');
    expect(shown).toContain('#1004 merged into #1002');
    expect(shown).toContain(':paperclip: <https://files.example.com/a%7Cb|invoice &lt;1&gt;.pdf>, photo &amp; co.png');
    expect(shown).toContain('Refund &lt;b&gt;');
    expect(view.blocks.some((block) => block.type === 'actions')).toBe(false);
  });
});
