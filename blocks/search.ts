import type { KnownBlock, PlainTextOption } from '@slack/types';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain, requesterText, STATUS_BADGE, waited } from './text.js';

export interface SearchResultsData {
  query: string;
  order: 'newest' | 'oldest';
  tickets: readonly Ticket[];
  /** Where the next page starts, when there is one. */
  next: string | null;
  /** How many pages came before this one. */
  page: number;
  truncated: boolean;
  now: Date;
}

/** What the Next button carries: the search as typed and where the page ended. */
export interface SearchMoreValue {
  q: string;
  after: string;
  page: number;
}

function ticketLine(ticket: Ticket, now: Date): KnownBlock {
  const tags = ticket.tags?.length
    ? ` · ${ticket.tags
        .slice(0, 5)
        .map((tag) => `\`${escapeMrkdwn(tag)}\``)
        .join(' ')}`
    : '';
  return {
    type: 'section',
    text: mrkdwn(
      `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 120))}\n${STATUS_BADGE[ticket.status]} · ${PRIORITY_BADGE[ticket.priority]} · ${requesterText(ticket)}${ticket.assignee ? ` · <@${ticket.assignee}>` : ''} · opened ${waited(ticket.createdAt, now)} ago${tags}`,
    ),
    accessory: { type: 'button', action_id: actionIds.show, text: plain('Open'), value: String(ticket.number) },
  };
}

/** A page of results, each with Open, and Next while there are more. */
export function searchResults(data: SearchResultsData): KnownBlock[] {
  const shown = `“${escapeMrkdwn(clip(data.query, 200))}”`;
  if (data.tickets.length === 0) {
    return [
      {
        type: 'section',
        text: mrkdwn(data.page === 0 ? `Nothing found for ${shown}.` : `No more results for ${shown}.`),
      },
    ];
  }
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*Found for ${shown}* — ${data.order} first${data.page > 0 || data.next ? `, page ${data.page + 1}` : ''}`,
      ),
    },
    ...data.tickets.slice(0, 20).map((ticket) => ticketLine(ticket, data.now)),
  ];
  if (data.truncated)
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          ':warning: These words match very many tickets: only part of them are listed. Add a filter, such as `status:open` or `since:30d`.',
        ),
      ],
    });
  if (data.next) {
    const value: SearchMoreValue = { q: data.query, after: data.next, page: data.page + 1 };
    blocks.push({
      type: 'actions',
      elements: [
        { type: 'button', action_id: actionIds.searchMore, text: plain('Next page'), value: JSON.stringify(value) },
      ],
    });
  }
  return blocks;
}

/** Open problem tickets; with an incident at hand, each has Link to make it one of its incidents. */
export function problemsList(problems: readonly Ticket[], incident: number | null, now: Date): KnownBlock[] {
  if (problems.length === 0)
    return [{ type: 'section', text: mrkdwn('There are no open problem tickets. Mark one with `/ticket problem N`.') }];
  const heading =
    incident === null
      ? `*Open problems* (${problems.length})`
      : `*Open problems* — which one is #${incident} an incident of?`;
  return [
    { type: 'section', text: mrkdwn(heading) },
    ...problems.slice(0, 30).map(
      (problem): KnownBlock => ({
        type: 'section',
        text: mrkdwn(
          `:jigsaw: *#${problem.number}* ${escapeMrkdwn(clip(problem.subject, 120))}\n${STATUS_BADGE[problem.status]} · ${problem.assignee ? `<@${problem.assignee}>` : 'unassigned'} · opened ${waited(problem.createdAt, now)} ago`,
        ),
        accessory:
          incident === null || incident === problem.number
            ? { type: 'button', action_id: actionIds.show, text: plain('Open'), value: String(problem.number) }
            : {
                type: 'button',
                action_id: actionIds.linkToProblem,
                text: plain(`Link #${incident}`),
                value: `${incident}:${problem.number}`,
              },
      }),
    ),
  ];
}

/** The knowledge-base search's options, as Slack shows them while the agent types. */
export function articleOptions(articles: readonly { key: string; title: string }[]): PlainTextOption[] {
  return articles.slice(0, 100).map((article) => ({ text: plain(article.title, 75), value: article.key }));
}
