import type { WebClient } from '@slack/web-api';
import { homeView } from '../../blocks/home.js';
import type { Desk } from '../tickets/desk.js';
import { homeFor } from '../tickets/home.js';
import { channelAdvice } from '../workspace/channel-check.js';
import { refusalText } from './words.js';

/** Publishes the person's App Home as it is now (with a search's results when they searched). */
export async function publishHome(client: WebClient, desk: Desk, userId: string, search?: string): Promise<void> {
  const data = await homeFor(desk, userId, search === undefined ? {} : { search });
  const refusal = data.role !== 'guest' && data.search?.refusal ? refusalText(desk, data.search.refusal) : undefined;
  // Admins see which channels of the workspace file deskbolt cannot post in, and can check them again.
  const isAdmin = desk.directory.agent(userId)?.role === 'admin';
  const trouble = isAdmin
    ? (desk.channels?.problems() ?? []).map((state) => ({ channel: state.channel, advice: channelAdvice(state) }))
    : [];
  await client.views.publish({ user_id: userId, view: homeView(data, desk.clock(), refusal, trouble) });
}
