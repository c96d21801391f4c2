import type { FakeSlack, StoredMessage } from '../fake-slack/server.js';
import { canSee, type SandboxRoster } from './roster.js';
import type { SeenBy, SeenConversation, SeenMessage } from './wire.js';

export type { SeenBy, SeenConversation, SeenMessage } from './wire.js';

const byTs = (a: { ts: string }, b: { ts: string }) => Number(a.ts) - Number(b.ts) || a.ts.localeCompare(b.ts);

/** Everything `user` would see in Slack now: their channels and DM with the app, their ephemerals, modals and Home. */
export function seenBy(fake: FakeSlack, roster: SandboxRoster, user: string): SeenBy {
  const author = (id: string) => fake.user(id)?.realName ?? fake.user(id)?.name ?? id;
  const conversation = (
    id: string,
    name: string,
    kind: SeenConversation['kind'],
    purpose: string,
    appIsMember: boolean,
  ): SeenConversation => {
    const stored = fake.messages(id);
    const replies = new Map<string, number>();
    for (const message of stored) {
      if (message.threadTs !== undefined && message.threadTs !== message.ts && !message.deleted) {
        replies.set(message.threadTs, (replies.get(message.threadTs) ?? 0) + 1);
      }
    }
    const seen = (message: StoredMessage): SeenMessage => ({
      ts: message.ts,
      user: message.user,
      author: author(message.user),
      fromApp: message.user === fake.botUserId,
      text: message.text ?? '',
      ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
      ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
      ...(message.threadTs === undefined ? {} : { threadTs: message.threadTs }),
      replyCount: replies.get(message.ts) ?? 0,
      reactions: message.reactions ?? [],
      ephemeral: false,
      deleted: message.deleted === true,
      ...(message.files === undefined
        ? {}
        : {
            files: message.files.flatMap((id) => {
              const file = fake.file(id);
              return file ? [{ name: file.name, size: file.size, mimetype: file.mimetype }] : [];
            }),
          }),
    });
    const messages = stored.filter((message) => !message.deleted || (replies.get(message.ts) ?? 0) > 0).map(seen);
    for (const message of fake.ephemerals(user, id)) {
      messages.push({
        ts: message.ts,
        user: fake.botUserId,
        author: author(fake.botUserId),
        fromApp: true,
        text: message.text ?? '',
        ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
        ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
        ...(message.threadTs === undefined ? {} : { threadTs: message.threadTs }),
        replyCount: 0,
        reactions: [],
        ephemeral: true,
        deleted: false,
      });
    }
    messages.sort(byTs);
    return { id, name, kind, purpose, appIsMember, messages };
  };

  const appName = author(fake.botUserId);
  const conversations = [
    ...roster.channels
      .filter((channel) => canSee(channel, user))
      .map((channel) => conversation(channel.id, channel.name, 'channel', channel.purpose, channel.appIsMember)),
    conversation(fake.dmChannelOf(user), appName, 'dm', `Your direct messages with ${appName}`, true),
  ];
  return { user, conversations, modals: fake.modals(user), home: fake.homeView(user) ?? null };
}
