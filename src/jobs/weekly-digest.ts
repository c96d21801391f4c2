import { weeklyDigestBlocks, weeklyDigestText } from '../../blocks/weekly-digest.js';
import { DAY_MS } from '../clock.js';
import type { Desk } from '../tickets/desk.js';
import { digestReaders, lastMondayNine, weeklyDigest } from '../tickets/weekly-digest.js';
import type { JobContext } from './job.js';

/** A marker outlives the day the digest may be sent on, so a week's digest is never sent twice. */
const MARKER_MEMORY_MS = 14 * DAY_MS;

export interface DigestRun {
  sent: string[];
}

/**
 * Runs every quarter hour; a lead's digest is due from Monday 09:00 in their time zone until the
 * end of that day (so a replica down at 09:00 still sends it later that morning). One marker per
 * lead and week (a unique id) is taken before sending: whichever replica or tick takes it sends,
 * and a failed send gives the marker back so the next tick tries again.
 */
export async function sendWeeklyDigests(desk: Desk, now: Date, context: Pick<JobContext, 'client' | 'log'>): Promise<DigestRun> {
  const sent: string[] = [];
  for (const reader of digestReaders(desk)) {
    const monday = lastMondayNine(now, reader.timeZone);
    if (now.getTime() - monday.at.getTime() >= DAY_MS) continue;
    const marker = `digest:${reader.user}:${monday.week}`;
    if (!(await desk.store.seen.firstTime(marker, now, MARKER_MEMORY_MS))) continue;
    try {
      const digest = await weeklyDigest(desk, reader.user, new Date(monday.at.getTime() - 7 * DAY_MS), monday.at);
      if (!digest) continue;
      await context.client.chat.postMessage({ channel: reader.user, text: weeklyDigestText(digest), blocks: weeklyDigestBlocks(digest, now) });
      sent.push(reader.user);
    } catch (error) {
      await desk.store.seen.forget(marker);
      context.log(`jobs: weekly digest for ${reader.user} failed, will try again: ${(error as Error).message}`, error);
    }
  }
  return { sent };
}
