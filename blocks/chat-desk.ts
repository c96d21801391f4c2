import type { KnownBlock } from '@slack/types';
import type { ShortcutList } from '../src/chats/shortcuts.js';
import { clip, escapeMrkdwn, mrkdwn } from './text.js';

const SECTION_TEXT_MAX = 3000;

/** Lines packed into as few sections as fit Slack's 3000 characters each; at most `maxBlocks`, saying what was left out. */
export function linesInSections(lines: readonly string[], maxBlocks = 40): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  let current = '';
  let shown = 0;
  for (const line of lines) {
    const next = current ? `${current}\n${line}` : line;
    if (next.length <= SECTION_TEXT_MAX) {
      current = next;
      shown += 1;
      continue;
    }
    if (blocks.length + 1 >= maxBlocks) break;
    blocks.push({ type: 'section', text: mrkdwn(current) });
    current = clip(line, SECTION_TEXT_MAX);
    shown += 1;
  }
  if (current) blocks.push({ type: 'section', text: mrkdwn(current) });
  if (shown < lines.length) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${lines.length - shown} more not shown here.`)] });
  return blocks;
}

/** `/ticket shortcut list`: the agent's own first, then the shared ones (marked where one of theirs shadows it). */
export function shortcutList(list: ShortcutList): KnownBlock[] {
  const line = (name: string, text: string) => `\`${escapeMrkdwn(list.sigil + name)}\` — ${escapeMrkdwn(clip(text.replace(/\s+/g, ' '), 150))}`;
  return [
    { type: 'section', text: mrkdwn(`*Your shortcuts* (${list.personal.length} of ${list.limit})`) },
    ...(list.personal.length > 0 ? linesInSections(list.personal.map((s) => line(s.name, s.text)), 20) : [{ type: 'context' as const, elements: [mrkdwn('None yet: `/ticket shortcut add NAME TEXT`.')] }]),
    { type: 'section', text: mrkdwn('*Shared shortcuts*') },
    ...(list.shared.length > 0
      ? linesInSections(list.shared.map((s) => `${line(s.name, s.text)}${s.shadowed ? ' _(yours of the same name is used)_' : ''}`), 20)
      : [{ type: 'context' as const, elements: [mrkdwn('The workspace has none.')] }]),
    { type: 'context', elements: [mrkdwn(`Start a chat reply with \`${escapeMrkdwn(list.sigil)}NAME\` to send its text; \`{requester}\` and \`{agent}\` are filled in.`)] },
  ];
}
