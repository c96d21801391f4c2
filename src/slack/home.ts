import type { WebClient } from '@slack/web-api';
import { homeView } from '../../blocks/home.js';
import type { Desk } from '../tickets/desk.js';
import { homeFor } from '../tickets/home.js';
import { refusalText } from './words.js';

/** Publishes the person's App Home as it is now (with a search's results when they searched). */
export async function publishHome(client: WebClient, desk: Desk, userId: string, search?: string): Promise<void> {
  const data = await homeFor(desk, userId, search === undefined ? {} : { search });
  const refusal = data.role !== 'guest' && data.search?.refusal ? refusalText(desk, data.search.refusal) : undefined;
  await client.views.publish({ user_id: userId, view: homeView(data, desk.clock(), refusal) });
}
