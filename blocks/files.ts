import type { ContextBlock, KnownBlock } from '@slack/types';
import type { CardFile } from '../src/tickets/views.js';
import { clip, escapeMrkdwn, mrkdwn, waited } from './text.js';

/** 1234 → "1.2 KB": sizes as people read them. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`;
}

/**
 * A file's name as a link label: escaped like any typed text (`<!channel>.pdf` pings nobody), and
 * without `|`, which Slack's link syntax cannot escape inside a label (`<` and `>` are escaped as entities).
 */
function label(name: string): string {
  return escapeMrkdwn(clip(name.replace(/\|/g, ''), 120)) || 'file';
}

function who(file: CardFile): string {
  return file.addedBy.kind === 'agent' || (file.addedBy.kind === 'requester' && /^[UW][A-Z0-9]+$/.test(file.addedBy.id))
    ? `<@${file.addedBy.id}>`
    : escapeMrkdwn(file.addedBy.id);
}

/** One file: name (a link when this viewer has one), size, type, who brought it and when. */
export function fileLine(file: CardFile, now: Date): string {
  const name = file.link ? `<${file.link}|${label(file.name)}>` : `*${label(file.name)}*`;
  const lock = file.internal ? ':lock: ' : '';
  const where = file.link
    ? ''
    : file.inSlack
      ? ' (no longer in Slack)'
      : ' (download: agents of its group, leads and admins)';
  return `${lock}:paperclip: ${name} · ${fileSize(file.size)} · ${escapeMrkdwn(file.contentType)} · ${who(file)} · ${waited(file.addedAt, now)} ago${where}`;
}

/** How many file lines one block carries: a context block takes at most 10 elements. */
const LINES_PER_BLOCK = 10;
/** Files listed on a card before "and N more". */
export const CARD_FILES_MAX = 20;

/** Files as context blocks, ten lines each, the rest counted. */
export function fileBlocks(files: readonly CardFile[], now: Date, heading?: string): KnownBlock[] {
  if (files.length === 0) return [];
  const shown = files.slice(0, CARD_FILES_MAX);
  const lines = shown.map((file) => fileLine(file, now));
  if (files.length > shown.length) lines.push(`…and ${files.length - shown.length} more file(s)`);
  if (heading) lines.unshift(heading);
  const blocks: ContextBlock[] = [];
  for (let at = 0; at < lines.length; at += LINES_PER_BLOCK) {
    blocks.push({ type: 'context', elements: lines.slice(at, at + LINES_PER_BLOCK).map((line) => mrkdwn(line)) });
  }
  return blocks;
}
