import type { KnownBlock, ModalView } from '@slack/types';
import type { TicketEvent } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

/** Events on one page of the History view: each is one block, with room left for the header and paging. */
export const HISTORY_PAGE = 40;
/** A section's text is at most 3,000 characters: long text is shown in pieces of this size. */
const PIECE = 2900;

/** Fields an event carries for the desk's own work (which comment, what a notifier still owes), not for a reader. */
const BOOKKEEPING: ReadonlySet<string> = new Set(['commentId', 'endsChat', 'surveyFollows']);

function fromTo(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return escapeMrkdwn(String(value));
  return Object.entries(value as Record<string, unknown>)
    .filter(([key, entry]) => entry !== undefined && entry !== null && !BOOKKEEPING.has(key))
    .map(
      ([key, entry]) =>
        `${escapeMrkdwn(key)}: ${escapeMrkdwn(clip(typeof entry === 'object' ? JSON.stringify(entry) : String(entry), 120))}`,
    )
    .join(', ');
}

function who(event: TicketEvent): string {
  if (event.actor.kind === 'agent') return `<@${event.actor.id}>`;
  if (event.actor.kind === 'requester' && /^[UW][A-Z0-9]+$/.test(event.actor.id)) return `<@${event.actor.id}>`;
  return escapeMrkdwn(event.actor.name ?? `${event.actor.kind} ${event.actor.id}`);
}

/** A merge, said the same way on both tickets: "#1004 merged into #1002" (with its comments, copied as notes). */
function mergeText(event: TicketEvent, ticketNumber: number): string | null {
  const number = (value: unknown) => Number((value as { number?: unknown } | undefined)?.number);
  if (event.action === 'merged_into' && Number.isInteger(number(event.to)))
    return `#${ticketNumber} merged into #${number(event.to)}`;
  if (event.action === 'merged_from' && Number.isInteger(number(event.from)))
    return `#${number(event.from)} merged into #${ticketNumber}, with its comments`;
  return null;
}

/**
 * A ticket's history, a page at a time: who did what, when, and what changed from what to what.
 * Paged within Block Kit's 100 blocks; Older and Newer move through it in the same view.
 */
export function historyModal(data: {
  ticketNumber: number;
  events: readonly TicketEvent[];
  page: number;
  total: number;
  timeZone: string;
}): ModalView {
  const pages = Math.max(1, Math.ceil(data.total / HISTORY_PAGE));
  const first = data.page * HISTORY_PAGE + 1;
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*History of #${data.ticketNumber}* — ${data.total} event(s), ${first}–${Math.min(data.total, first + HISTORY_PAGE - 1)}, oldest first`,
      ),
    },
  ];
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: data.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  for (const event of data.events.slice(0, HISTORY_PAGE)) {
    const merge = mergeText(event, data.ticketNumber);
    const change = merge
      ? ` · ${merge}`
      : [fromTo(event.from), fromTo(event.to)].some(Boolean)
        ? ` · ${fromTo(event.from) || '—'} → ${fromTo(event.to) || '—'}`
        : '';
    const note = event.note ? ` · _${escapeMrkdwn(clip(event.note, 150))}_` : '';
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          clip(
            `${when.format(new Date(event.at))} · *${escapeMrkdwn(event.action.replace(/_/g, ' '))}* by ${who(event)}${change}${note}`,
            2900,
          ),
        ),
      ],
    });
  }
  const paging = [];
  if (data.page > 0)
    paging.push({
      type: 'button' as const,
      action_id: `${actionIds.history}_older`,
      text: plain('Older'),
      value: `${data.ticketNumber}:${data.page - 1}`,
    });
  if (data.page + 1 < pages)
    paging.push({
      type: 'button' as const,
      action_id: `${actionIds.history}_newer`,
      text: plain('Newer'),
      value: `${data.ticketNumber}:${data.page + 1}`,
    });
  if (paging.length > 0) blocks.push({ type: 'actions', block_id: 'history_paging', elements: paging });
  return {
    type: 'modal',
    callback_id: 'ticket_history_modal',
    title: plain(`History #${data.ticketNumber}`, 24),
    close: plain('Close', 24),
    blocks,
  };
}

/** A description or comment read whole: in pieces a section can hold. */
export function fullTextModal(title: string, heading: string, text: string): ModalView {
  const pieces: string[] = [];
  for (let start = 0; start < text.length && pieces.length < 95; start += PIECE)
    pieces.push(text.slice(start, start + PIECE));
  return {
    type: 'modal',
    title: plain(title, 24),
    close: plain('Close', 24),
    blocks: [
      { type: 'context', elements: [mrkdwn(heading)] },
      ...pieces.map((piece): KnownBlock => ({ type: 'section', text: mrkdwn(escapeMrkdwn(piece)) })),
    ],
  };
}
