import type { WebClient } from '@slack/web-api';
import { requesterProfileModal } from '../../blocks/chat-desk.js';
import { plain } from '../../blocks/text.js';
import { type ChatEmailResult, emailDuringChat } from '../chats/email.js';
import { requesterHistory } from '../chats/profile.js';
import type { ShortcutNames } from '../chats/shortcuts.js';
import type { Chat } from '../chats/types.js';
import { faultMessage, type Log } from '../log.js';
import type { Desk } from '../tickets/desk.js';
import type { Refusal } from '../tickets/refusals.js';
import { refusalText } from './words.js';

/** What Slack knows of a person (users.info); null when Slack would not say. */
export interface SlackProfile {
  name: string;
  title: string | null;
  timeZone: string | null;
  email: string | null;
  /** Shown to agents only: the requester panel is an agent's view. */
  phone: string | null;
}

export async function slackProfile(client: WebClient, userId: string, log?: Log): Promise<SlackProfile | null> {
  try {
    const user = (await client.users.info({ user: userId })).user;
    if (!user) return null;
    return {
      name: user.real_name || user.profile?.real_name || user.profile?.display_name || user.name || userId,
      title: user.profile?.title || null,
      timeZone: user.tz || null,
      email: user.profile?.email || null,
      phone: user.profile?.phone || null,
    };
  } catch (error) {
    log?.(`slack: users.info failed: ${faultMessage(error)}`, error);
    return null;
  }
}

/** `{requester}` from the requester's Slack profile, `{agent}` from the workspace file (Slack's name as a fallback). */
export function slackNames(client: WebClient, desk: Desk, chat: Chat, agentId: string): ShortcutNames {
  return {
    requester: async () => (await slackProfile(client, chat.requester))?.name ?? 'there',
    agent: async () => desk.directory.agent(agentId)?.name ?? (await slackProfile(client, agentId))?.name ?? 'Support',
  };
}

/** An email to the requester of a live chat, to the address Slack's profile shares. */
export async function sendChatEmail(
  desk: Desk,
  client: WebClient,
  ticketNumber: number,
  agent: string,
  text: string,
): Promise<ChatEmailResult | Refusal> {
  const chat = await desk.store.chats.get(ticketNumber);
  const profile = chat ? await slackProfile(client, chat.requester) : null;
  const names: ShortcutNames = {
    requester: async () => profile?.name ?? 'there',
    agent: async () => desk.directory.agent(agent)?.name ?? 'Support',
  };
  return emailDuringChat(desk, {
    ticketNumber,
    agent,
    text,
    address: { email: profile?.email ?? null, name: profile?.name ?? '' },
    names,
  });
}

/**
 * The requester panel: opened at once (the trigger lives 3 seconds), then filled with what Slack says
 * (users.info) and what deskbolt knows. A refusal replaces the loading view with the reason.
 */
export async function openRequesterPanel(
  desk: Desk,
  log: Log,
  client: WebClient,
  triggerId: string,
  ticketNumber: number,
  viewer: string,
): Promise<void> {
  const opened = await client.views.open({
    trigger_id: triggerId,
    view: {
      type: 'modal',
      title: plain('Requester', 24),
      close: plain('Close', 24),
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Looking the requester up…' } }],
    },
  });
  const viewId = opened.view?.id;
  if (!viewId) return;
  const history = await requesterHistory(desk, { ticketNumber, viewer });
  if (!history.ok) {
    await client.views.update({
      view_id: viewId,
      view: {
        type: 'modal',
        title: plain('Requester', 24),
        close: plain('Close', 24),
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: refusalText(desk, history) } }],
      },
    });
    return;
  }
  const slack = history.requester.kind === 'slack' ? await slackProfile(client, history.requester.userId, log) : null;
  await client.views.update({ view_id: viewId, view: requesterProfileModal(history, slack, desk.clock()) });
}
