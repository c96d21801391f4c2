import type { App, MessageShortcut } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { newTicketModal } from '../../blocks/new-ticket-modal.js';
import type { SlackDeps } from './context.js';
import { decodeSlackMessage, mentionNames, textsOf, type SlackMessageParts } from './decode-slack-text.js';
import { safely } from './notify.js';

export const shortcutIds = {
  createTicket: 'create_ticket',
  newTicket: 'new_ticket',
} as const;

const NAME_LOOKUP_BUDGET_MS = 800;

export async function tellUser(client: WebClient, deps: SlackDeps, userId: string, text: string): Promise<void> {
  await safely(deps.log, 'direct message', () => client.chat.postMessage({ channel: userId, text }));
}

export function registerShortcuts(app: App, deps: SlackDeps): void {
  // "Create ticket" on any message: its text becomes the description, its author the requester.
  app.shortcut<MessageShortcut>(shortcutIds.createTicket, async ({ ack, shortcut, client }) => {
    await ack();
    const message = shortcut.message as MessageShortcut['message'] & SlackMessageParts;
    // Names of people the message mentions: the trigger lives 3 seconds, so Slack gets a moment, not more.
    const names = await mentionNames(deps.desk.directory).learn(client, textsOf(message), NAME_LOOKUP_BUDGET_MS);
    const text = decodeSlackMessage(message, names);
    const firstLine = text.split('\n').find((line) => line.trim())?.trim() ?? '';
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: newTicketModal({
        groups: deps.desk.directory.groups(),
        subject: firstLine.slice(0, 80),
        description: text,
        requesterId: message.user ?? shortcut.user.id,
        origin: { channelId: shortcut.channel.id, messageTs: message.ts },
      }),
    });
  });

  app.shortcut(shortcutIds.newTicket, async ({ ack, shortcut, client }) => {
    await ack();
    await client.views.open({
      trigger_id: shortcut.trigger_id,
      view: newTicketModal({ groups: deps.desk.directory.groups(), requesterId: shortcut.user.id }),
    });
  });
}
