import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { Metrics } from '../metrics.js';
import { DatabaseAwayError } from '../tickets/database-reach.js';
import type { Desk } from '../tickets/desk.js';

/** How long an event id is remembered: Slack retries within minutes, so an hour is plenty. */
export const EVENT_MEMORY_MS = 60 * 60_000;

/** Long enough to swallow a double click, short enough that pressing a button again on purpose works. */
export const CLICK_MEMORY_MS = 10_000;

// biome-ignore lint/suspicious/noExplicitAny: any of Slack's payload shapes; each field read is checked where it is read
type SlackBody = Record<string, any>;

/** Keeps every listener's promise until it settles, so `settled()` can wait for work done after the ack. */
export function trackInFlight(inFlight: Set<Promise<unknown>>): Middleware<AnyMiddlewareArgs> {
  return async ({ next }) => {
    const work = next();
    inFlight.add(work);
    try {
      await work;
    } finally {
      inFlight.delete(work);
    }
  };
}

/**
 * What a listener's workflow changed is handed to the notifiers once the listener is done, so the
 * asker's answer (a card, a confirmation) does not wait behind the live message, the homes and the
 * requester's notice reading and writing the same database. The events are in the ticket's outbox
 * already: a process that dies before they go out leaves them to the sweep.
 */
export function answerBeforeNotifying(desk: Desk): Middleware<AnyMiddlewareArgs> {
  return ({ next }) => desk.events.answerFirst(next);
}

/** Times each request from Bolt's first middleware to the end of the listener's work after the ack. */
export function measureListeners(metrics: Metrics): Middleware<AnyMiddlewareArgs> {
  return async ({ body, next }) => {
    const [kind, id] = listenerOf(body as SlackBody);
    const started = process.hrtime.bigint();
    let outcome: 'ok' | 'failed' = 'ok';
    try {
      await next();
    } catch (error) {
      outcome = 'failed';
      throw error;
    } finally {
      metrics.slackListener(kind, id, outcome, Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
}

/**
 * While the database is away nothing is tried: the request is acknowledged at once and the fault is
 * passed to tellPeopleOfFaults, which tells the person to try again in a minute. Waiting for the
 * driver instead took longer than Slack's three seconds, and a later step could land half-done.
 */
export function answerAtOnceWhileDatabaseAway(desk: Desk): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    if (await desk.store.reach.away()) {
      await (args as { ack?: () => Promise<void> }).ack?.();
      throw new DatabaseAwayError();
    }
    await args.next();
  };
}

/**
 * The id remembered before the listener's ack, so within the time Slack allows: a database that does
 * not answer in time is a fault told to the person (tellPeopleOfFaults), the request acknowledged first.
 */
async function firstTimeInTime(desk: Desk, args: AnyMiddlewareArgs, id: string, rememberMs: number): Promise<boolean> {
  try {
    return await desk.store.reach.within(() => desk.store.seen.firstTime(id, desk.clock(), rememberMs));
  } catch (error) {
    await (args as { ack?: () => Promise<void> }).ack?.();
    throw error;
  }
}

/** Slack delivers events at least once (retries carry the same event_id): act on the first only. */
export function actOnceOnEvents(desk: Desk): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { body, next } = args;
    const eventId = (body as { event_id?: unknown }).event_id;
    if (typeof eventId === 'string' && !(await firstTimeInTime(desk, args, `event:${eventId}`, EVENT_MEMORY_MS)))
      return;
    await next();
  };
}

/** A double click sends two block_actions a moment apart: the second is acknowledged, not acted on. */
export function actOnceOnClicks(desk: Desk): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const key = buttonClickKey(args.body);
    if (key !== null && !(await firstTimeInTime(desk, args, key, CLICK_MEMORY_MS))) {
      await (args as { ack?: () => Promise<void> }).ack?.();
      return;
    }
    await args.next();
  };
}

/**
 * The same person pressing the same button (same value) on the same message or view. Selects and
 * other inputs are not deduplicated: choosing a value twice is a person changing their mind.
 */
export function buttonClickKey(body: unknown): string | null {
  const payload = body as {
    type?: string;
    user?: { id?: string };
    actions?: { type?: string; action_id?: string; value?: string }[];
    container?: { message_ts?: string; view_id?: string };
    view?: { id?: string };
  };
  if (payload.type !== 'block_actions' || payload.actions?.length !== 1) return null;
  const [action] = payload.actions;
  if (action?.type !== 'button' || !payload.user?.id) return null;
  const where = payload.container?.message_ts ?? payload.container?.view_id ?? payload.view?.id;
  if (!where) return null;
  return `click:${payload.user.id}:${action.action_id}:${action.value ?? ''}:${where}`;
}

/** The label pair of a Slack request: what kind of listener it reaches and its command/action/callback id. */
export function listenerOf(body: SlackBody): [string, string] {
  if (typeof body.command === 'string') return ['command', body.command];
  switch (body.type) {
    case 'block_actions':
      return ['action', String(body.actions?.[0]?.action_id ?? 'unknown')];
    case 'block_suggestion':
      return ['options', String(body.action_id ?? 'unknown')];
    case 'view_submission':
    case 'view_closed':
      return ['view', String(body.view?.callback_id ?? 'unknown')];
    case 'shortcut':
    case 'message_action':
      return ['shortcut', String(body.callback_id ?? 'unknown')];
    case 'event_callback':
      return ['event', String(body.event?.type ?? 'unknown')];
    default:
      return ['other', String(body.type ?? 'unknown')];
  }
}
