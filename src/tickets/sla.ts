import { DAY_MS, MINUTE_MS } from '../clock.js';
import type { TicketChanges } from '../store/tickets.js';
import type { SlaSettings, Workspace } from '../workspace/schema.js';
import { WEEKDAYS } from '../workspace/schema.js';
import type { SlaClock, SlaPause, Ticket, TicketStatus } from './types.js';
import { offsetAt, wallClockAt } from './zoned-time.js';

/**
 * Service levels: how long a ticket may wait for its first public reply and for its solve, by
 * priority, from the workspace file. Time counts around the clock, or — with business hours — only
 * in those hours, in the group's time zone. The resolution clock stands still while the ticket is
 * pending (and while it was solved, when a reply reopens it). Everything here is a pure function of
 * the ticket, the moment and the workspace, so the card, the live message, the job and the stats
 * agree to the millisecond.
 */

export type SlaClockStatus = 'running' | 'at_risk' | 'paused' | 'met' | 'breached';

export interface SlaClockState {
  clock: SlaClock;
  status: SlaClockStatus;
  targetMs: number;
  /** Time counted so far (business time when the workspace says so). */
  elapsedMs: number;
  /** Target minus elapsed: negative once breached. */
  remainingMs: number;
  /** When it breaches if it keeps running; null when it is stopped, paused or already over. */
  dueAt: Date | null;
  /** It no longer runs: the first reply came, or the ticket was solved or closed. */
  stopped: boolean;
}

export interface SlaState {
  firstReply: SlaClockState | null;
  resolution: SlaClockState | null;
}

/** Pause stretches kept on a ticket: far more than any ticket goes pending. */
export const SLA_PAUSES_KEPT = 200;

// ─── Counting time ───────────────────────────────────────────────────────────────────────────

/** When time counts: always (null), or on these weekdays between these minutes of the local day. */
export interface WorkCalendar {
  zone: string;
  days: ReadonlySet<number>;
  startMinute: number;
  endMinute: number;
}

export function calendarOf(workspace: Workspace, groupId: number): WorkCalendar | null {
  const sla = workspace.sla;
  if (!sla?.businessHours) return null;
  const zone = workspace.groups.find((group) => group.id === groupId)?.timeZone ?? sla.timeZone;
  return {
    zone,
    days: new Set(sla.businessHours.days.map((day) => WEEKDAYS.indexOf(day))),
    startMinute: sla.businessHours.start,
    endMinute: sla.businessHours.end,
  };
}

function localParts(
  at: number,
  zone: string,
): { year: number; month: number; day: number; weekday: number; minute: number } {
  const local = wallClockAt(at, zone);
  return {
    year: local.year,
    month: local.month,
    day: local.day,
    weekday: local.weekday,
    minute: local.hour * 60 + local.minute,
  };
}

/** The instant a wall-clock time of a local date is, in this zone (DST included). */
function zonedInstant(year: number, month: number, day: number, minute: number, zone: string): number {
  const guess = Date.UTC(year, month - 1, day, 0, minute);
  const first = guess - offsetAt(guess, zone);
  const second = guess - offsetAt(first, zone);
  return second;
}

/** The business window of the local day `at` falls on: [open, close), or null on a day off. */
function windowOfDay(at: number, calendar: WorkCalendar): { open: number; close: number; nextDay: number } {
  const local = localParts(at, calendar.zone);
  const nextDate = new Date(Date.UTC(local.year, local.month - 1, local.day + 1));
  const nextDay = zonedInstant(
    nextDate.getUTCFullYear(),
    nextDate.getUTCMonth() + 1,
    nextDate.getUTCDate(),
    0,
    calendar.zone,
  );
  if (!calendar.days.has(local.weekday)) return { open: 0, close: 0, nextDay };
  return {
    open: zonedInstant(local.year, local.month, local.day, calendar.startMinute, calendar.zone),
    close: zonedInstant(local.year, local.month, local.day, calendar.endMinute, calendar.zone),
    nextDay,
  };
}

/** The same local wall time `weeks` weeks later: whole weeks have the same business hours, whatever DST does in between. */
function weeksLater(at: number, weeks: number, zone: string): number {
  const local = localParts(at, zone);
  const date = new Date(Date.UTC(local.year, local.month - 1, local.day + 7 * weeks));
  return (
    zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), local.minute, zone) +
    (at % MINUTE_MS)
  );
}

function weekMs(calendar: WorkCalendar): number {
  return calendar.days.size * (calendar.endMinute - calendar.startMinute) * MINUTE_MS;
}

/** Time that counts between two instants. */
export function countedMs(from: Date | number, to: Date | number, calendar: WorkCalendar | null): number {
  let start = Number(from);
  const end = Number(to);
  if (end <= start) return 0;
  if (!calendar) return end - start;
  let total = 0;
  // Whole weeks at once, from a local wall time to the same one: each has the same business hours.
  if (end - start > 9 * DAY_MS) {
    const weeks = Math.floor((end - start - 2 * DAY_MS) / (7 * DAY_MS));
    total += weeks * weekMs(calendar);
    start = weeksLater(start, weeks, calendar.zone);
  }
  for (let cursor = start; cursor < end; ) {
    const day = windowOfDay(cursor, calendar);
    total += Math.max(0, Math.min(day.close, end) - Math.max(day.open, cursor));
    cursor = Math.max(day.nextDay, cursor + MINUTE_MS);
  }
  return total;
}

/** The instant `ms` of counted time after `from`. */
export function addCountedMs(from: Date | number, ms: number, calendar: WorkCalendar | null): Date {
  let cursor = Number(from);
  if (!calendar) return new Date(cursor + ms);
  if (calendar.days.size === 0 || calendar.endMinute <= calendar.startMinute) return new Date(Number.MAX_SAFE_INTEGER);
  let left = ms;
  const week = weekMs(calendar);
  const weeks = Math.max(0, Math.ceil(left / week) - 1);
  if (weeks > 0) {
    left -= weeks * week;
    cursor = weeksLater(cursor, weeks, calendar.zone);
  }
  for (let guard = 0; guard < 3660; guard++) {
    const day = windowOfDay(cursor, calendar);
    const open = Math.max(day.open, cursor);
    const available = Math.max(0, day.close - open);
    if (available >= left && day.close > open) return new Date(open + left);
    left -= available;
    cursor = Math.max(day.nextDay, cursor + MINUTE_MS);
  }
  return new Date(cursor);
}

// ─── A ticket's clocks ──────────────────────────────────────────────────────────────────────

const DONE: readonly TicketStatus[] = ['solved', 'closed'];

function targetsOf(settings: SlaSettings | undefined, ticket: Ticket) {
  return settings?.targets[ticket.priority];
}

function clockState(
  clock: SlaClock,
  targetMs: number,
  elapsedMs: number,
  stopped: boolean,
  paused: boolean,
  now: number,
  calendar: WorkCalendar | null,
  warnAtPercent: number,
): SlaClockState {
  const remainingMs = targetMs - elapsedMs;
  let status: SlaClockStatus;
  if (remainingMs < 0) status = 'breached';
  else if (stopped) status = 'met';
  else if (paused) status = 'paused';
  else if (elapsedMs >= (targetMs * warnAtPercent) / 100) status = 'at_risk';
  else status = 'running';
  const dueAt = !stopped && !paused && remainingMs >= 0 ? addCountedMs(now, remainingMs, calendar) : null;
  return { clock, status, targetMs, elapsedMs, remainingMs, dueAt, stopped };
}

/**
 * Where a ticket stands against its targets at `now`: null for a clock its priority has no target
 * for (or a merged ticket, which has none).
 */
export function slaState(ticket: Ticket, now: Date, workspace: Workspace): SlaState {
  const settings = workspace.sla;
  const targets = targetsOf(settings, ticket);
  if (!settings || !targets || ticket.mergedInto !== null) return { firstReply: null, resolution: null };
  const calendar = calendarOf(workspace, ticket.groupId);
  const at = now.getTime();
  const created = new Date(ticket.createdAt).getTime();
  const done = DONE.includes(ticket.status);
  const endedAt = done ? new Date(ticket.solvedAt ?? ticket.closedAt ?? now).getTime() : null;

  let firstReply: SlaClockState | null = null;
  if (targets.firstReply !== undefined) {
    const repliedAt = ticket.firstReplyAt ? new Date(ticket.firstReplyAt).getTime() : null;
    // Ended with no reply at all (merged away, closed unanswered): the first-reply clock does not apply.
    if (repliedAt !== null || !done) {
      const stop = repliedAt ?? at;
      firstReply = clockState(
        'firstReply',
        targets.firstReply,
        countedMs(created, stop, calendar),
        repliedAt !== null,
        false,
        at,
        calendar,
        settings.warnAtPercent,
      );
    }
  }

  let resolution: SlaClockState | null = null;
  if (targets.resolution !== undefined) {
    const stop = endedAt ?? at;
    const pauses: SlaPause[] = [...(ticket.slaPauses ?? [])];
    // The stretch it is pending now, or was pending in when it closed unsolved.
    if (ticket.pendingSince && (ticket.status === 'pending' || (ticket.status === 'closed' && !ticket.solvedAt)))
      pauses.push({ from: ticket.pendingSince, to: new Date(stop) });
    const pausedMs = pauses.reduce(
      (sum, pause) =>
        sum + countedMs(new Date(pause.from).getTime(), Math.min(new Date(pause.to).getTime(), stop), calendar),
      0,
    );
    const elapsed = Math.max(0, countedMs(created, stop, calendar) - pausedMs);
    resolution = clockState(
      'resolution',
      targets.resolution,
      elapsed,
      done,
      ticket.status === 'pending',
      at,
      calendar,
      settings.warnAtPercent,
    );
  }
  return { firstReply, resolution };
}

/**
 * A status change that starts the resolution clock again (leaving pending, or reopening a solved
 * ticket) records the stretch it stood still, in the same write. Nothing when the clock keeps running.
 */
export function clockResumes(ticket: Ticket, nextStatus: TicketStatus, now: Date): Pick<TicketChanges, 'slaPauses'> {
  if (ticket.status === nextStatus) return {};
  const from =
    ticket.status === 'pending'
      ? ticket.pendingSince
      : ticket.status === 'solved' && nextStatus !== 'closed'
        ? ticket.solvedAt
        : null;
  if (!from) return {};
  return { slaPauses: [...(ticket.slaPauses ?? []), { from: new Date(from), to: now }].slice(-SLA_PAUSES_KEPT) };
}
