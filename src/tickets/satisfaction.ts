import { createHmac, timingSafeEqual } from 'node:crypto';
import { ticketEvent } from '../events/ticket-events.js';
import type { Rating, SatisfactionSurvey } from '../store/satisfaction.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { noSuchTicket } from './permissions.js';
import type { Actor, Ticket } from './types.js';

export type { Rating };
export const RATINGS: readonly Rating[] = ['good', 'bad'];
export const SATISFACTION_COMMENT_MAX = 1000;

/** Which solve a survey is about: the ticket's version right after the solve. */
export interface SolveRef {
  number: number;
  solve: number;
}

/**
 * Asks about this solve once: false when it was asked already (a retried solve, a second call).
 * Only a solved ticket is asked about.
 */
export async function openSurvey(
  desk: Desk,
  ticket: Ticket,
): Promise<{ ok: true; asked: boolean; ref: SolveRef } | Refusal> {
  if (ticket.status !== 'solved') return refuse('not_solved', { number: ticket.number, status: ticket.status });
  const ref = { number: ticket.number, solve: ticket.version };
  const asked = await desk.store.satisfaction.ask(ref.number, ref.solve, ticket.assignee, desk.clock());
  return { ok: true, asked, ref };
}

export interface RateResult {
  ok: true;
  survey: SatisfactionSurvey;
  ticket: Ticket;
  /** False when the answer repeats the one already given. */
  changed: boolean;
}

/**
 * The requester answers "How did we do?". One answer per solve: answering again replaces it (and
 * the history records the change), it never adds a second one.
 */
export async function rateSolve(
  desk: Desk,
  answer: SolveRef & { rating: Rating; comment?: string; actor: Actor },
): Promise<RateResult | Refusal> {
  const comment = answer.comment?.trim();
  if (comment !== undefined && comment.length > SATISFACTION_COMMENT_MAX) {
    return refuse('text_too_long', { what: 'comment', length: comment.length, max: SATISFACTION_COMMENT_MAX });
  }
  const ticket = await desk.store.tickets.get(answer.number);
  if (!ticket) return noSuchTicket(answer.number);
  const now = desk.clock();
  const result = await desk.store.satisfaction.answer(
    answer.number,
    answer.solve,
    { rating: answer.rating, ...(comment ? { comment } : {}) },
    now,
  );
  if (!result) return refuse('no_survey', { number: answer.number });
  const { before, after } = result;
  const changed = before.rating !== after.rating || before.comment !== after.comment;
  if (changed) {
    const event = await desk.store.tickets.appendEvent(
      answer.number,
      ticketEvent('satisfaction_rated', answer.actor, now, {
        ...(before.rating ? { from: { rating: before.rating } } : {}),
        to: {
          rating: after.rating,
          solve: after.solve,
          agent: after.agent,
          ...(after.comment ? { comment: after.comment } : {}),
        },
      }),
    );
    desk.events.recorded(event);
  }
  return { ok: true, survey: after, ticket, changed };
}

/**
 * The link an email requester follows: `<ticket>.<solve>.<hmac>`, the HMAC keyed by the outbound
 * webhook's secret, so only links deskbolt made are accepted and none can be guessed for another ticket.
 */
export function surveyToken(secret: string, ref: SolveRef): string {
  return `${ref.number}.${ref.solve}.${surveyMac(secret, ref)}`;
}

export function readSurveyToken(secret: string, token: string): SolveRef | null {
  const match = /^(\d{1,9})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const ref = { number: Number(match[1]), solve: Number(match[2]) };
  const expected = Buffer.from(surveyMac(secret, ref));
  const given = Buffer.from(match[3]!);
  return expected.length === given.length && timingSafeEqual(expected, given) ? ref : null;
}

function surveyMac(secret: string, ref: SolveRef): string {
  return createHmac('sha256', secret).update(`satisfaction:${ref.number}:${ref.solve}`).digest('base64url');
}
