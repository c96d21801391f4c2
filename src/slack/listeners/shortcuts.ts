import type { App, MessageShortcut } from '@slack/bolt';
import { chatNoteModal } from '../../../blocks/chat.js';
import { newTicketModal } from '../../../blocks/new-ticket-modal.js';
import { noteRefusal } from '../../chats/relay.js';
import { refuse } from '../../tickets/refusals.js';
import { askerOf } from '../answer.js';
import { decodeSlackMessage, mentionNames, type SlackMessageParts, textsOf } from '../decode-slack-text.js';
import type { ListenerDeps } from './answers.js';

const NAME_LOOKUP_BUDGET_MS = 800;

export const shortcutIds = {
  createTicket: 'create_ticket',
  newTicket: 'new_ticket',
  internalNote: 'chat_internal_note',
} as const;

/** The message and global shortcuts of the manifest, registered explicitly. */
export function registerShortcuts(app: App, deps: ListenerDeps): void {
  // "Create ticket" on any message: its text becomes the description, its author the requester.
  app.shortcut<MessageShortcut>(shortcutIds.createTicket, async ({ ack, shortcut, client }) => {
    await ack();
    const message = shortcut.message as MessageShortcut['message'] & SlackMessageParts;
    // Names of the people the message mentions: the trigger lives 3 seconds, so Slack gets a moment, not more.
    const names = await mentionNames(deps.desk.directory).learn(client, textsOf(message), NAME_LOOKUP_BUDGET_MS);
    const text = decodeSlackMessage(message, names);
    const firstLine =
      text
        .split('\n')
        .find((line) => line.trim())
        ?.trim() ?? '';
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

  // "Internal note" on any message of a chat's thread: a note for the thread only.
  app.shortcut<MessageShortcut>(shortcutIds.internalNote, async ({ ack, shortcut, client, respond }) => {
    await ack();
    const message = shortcut.message as { ts: string; thread_ts?: string };
    // A message shortcut always carries a response_url: the answer goes where they used it.
    const asker = askerOf({
      desk: deps.desk,
      log: deps.log,
      client,
      userId: shortcut.user.id,
      respond,
      hasResponseUrl: true,
    });
    const chat = await deps.desk.store.chats.byThread({
      channel: shortcut.channel.id,
      ts: message.thread_ts ?? message.ts,
    });
    if (!chat)
      return asker.say('That message is not part of a chat. Use “Internal note” on a message in a chat’s thread.');
    if (!deps.desk.directory.agent(shortcut.user.id))
      return asker.refuse(refuse('agents_only', { action: 'add chat notes' }));
    const refused = noteRefusal(deps.desk, chat, shortcut.user.id);
    if (refused) return asker.refuse(refused);
    await client.views.open({ trigger_id: shortcut.trigger_id, view: chatNoteModal(chat.ticketNumber) });
  });
}
