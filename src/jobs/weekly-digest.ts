import { DAY_MS } from '../clock.js';
import type { Desk } from '../tickets/desk.js';
import { digestReaders, lastMondayNine } from '../tickets/weekly-digest.js';

/** A marker outlives the day the digest may be sent on, so a week's digest is never sent twice. */
const MARKER_MEMORY_MS = 14 * DAY_MS;

export interface DigestRun {
  due: string[];
}

/**
 * Runs every quarter hour; a lead's digest is due from Monday 09:00 in their time zone until the
 * end of that day (so a replica down at 09:00 still sends it later that morning). One marker per
 * lead and week (a unique id) is taken first: whichever replica or tick takes it signals the digest,
 * and a send that fails gives the marker back (`digestNotSent` in tickets/weekly-digest.ts) so the next tick tries again.
 */
export async function signalWeeklyDigests(desk: Desk, now: Date): Promise<DigestRun> {
  const due: string[] = [];
  for (const reader of digestReaders(desk)) {
    const monday = lastMondayNine(now, reader.timeZone);
    if (now.getTime() - monday.at.getTime() >= DAY_MS) continue;
    const marker = `digest:${reader.user}:${monday.week}`;
    if (!(await desk.store.seen.firstTime(marker, now, MARKER_MEMORY_MS))) continue;
    desk.events.signal({
      type: 'weekly_digest_due',
      lead: reader.user,
      week: monday.week,
      from: new Date(monday.at.getTime() - 7 * DAY_MS),
      to: monday.at,
      marker,
    });
    due.push(reader.user);
  }
  return { due };
}
