import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { homeView } from '../../blocks/home.js';
import { readHome } from '../homes/home.js';
import type { Desk } from '../tickets/desk.js';
import { channelAdvice } from '../workspace/channel-check.js';
import { refusalText } from './words.js';

/** What a publish did: `unchanged` when the person already has this very view, `stale` when a newer state was published. */
export type PublishOutcome = 'published' | 'unchanged' | 'stale';

/**
 * Publishes the person's App Home as it is now (with a search's results when they searched). With
 * `onlyWhenChanged` (an event's publish), a view equal to the one last published to them (its hash is
 * kept on their Home document) is not sent again; and a view of an older state than the last published
 * (a slower replica's) is never sent.
 */
export async function publishHome(
  client: WebClient,
  desk: Desk,
  userId: string,
  search?: string,
  options: { onlyWhenChanged?: boolean } = {},
): Promise<PublishOutcome> {
  const { home, version, published } = await readHome(desk, userId, search === undefined ? {} : { search });
  const refusal = home.role !== 'guest' && home.search?.refusal ? refusalText(desk, home.search.refusal) : undefined;
  // Admins see which channels of the workspace file deskbolt cannot post in, and can check them again.
  const isAdmin = desk.directory.agent(userId)?.role === 'admin';
  const trouble = isAdmin
    ? (desk.channels?.problems() ?? []).map((state) => ({ channel: state.channel, advice: channelAdvice(state) }))
    : [];
  const view = homeView(home, desk.clock(), refusal, trouble);
  // A guest's Home is the same text for everyone and costs no read: sent as asked.
  if (version !== null) {
    const mark = { version, hash: createHash('sha256').update(JSON.stringify(view)).digest('base64url') };
    // Only for an event: a person opening the tab gets the view again, since Slack may not hold it (a
    // fake Slack restarted beside a kept database, a view published by hand) and the open costs one call.
    if (options.onlyWhenChanged && published?.hash === mark.hash) {
      // Shown already; the mark still moves up, so a slower replica's view of a state in between cannot follow it.
      if (published.version < version) await desk.store.homes.claimPublish(userId, mark);
      return 'unchanged';
    }
    if (published && published.version > version) return 'stale';
    if (!(await desk.store.homes.claimPublish(userId, mark, { again: !options.onlyWhenChanged }))) return 'stale';
    try {
      await client.views.publish({ user_id: userId, view });
    } catch (error) {
      // Not shown: the next event (or opening the tab) must send it again, not find it "unchanged".
      await desk.store.homes.forgetPublished(userId, mark).catch(() => undefined);
      throw error;
    }
    return 'published';
  }
  await client.views.publish({ user_id: userId, view });
  return 'published';
}
