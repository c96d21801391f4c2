import type { FakeSlack, PersonalModal, StoredMessage } from '../fake-slack/server.js';
import { canSee, type SandboxRoster } from './roster.js';

/** A message as one person's client shows it. */
export interface SeenMessage {
  ts: string;
  user: string;
  author: string;
  fromApp: boolean;
  text: string;
  blocks?: any[];
  attachments?: any[];
  /** Set on thread replies (and on a parent, its own ts). */
  threadTs?: string;
  /** Replies in its thread, for a parent message. */
  replyCount: number;
  reactions: string[];
  /** Only this person sees it ("Only visible to you"). */
  ephemeral: boolean;
  /** A deleted parent stays as "This message was deleted." while its thread has replies. */
  deleted: boolean;
  /** Files shared with it, as Slack's client lists them. */
  files?: { name: string; size: number; mimetype: string }[];
}

export interface SeenConversation {
  id: string;
  name: string;
  kind: 'channel' | 'dm';
  purpose: string;
  appIsMember: boolean;
  messages: SeenMessage[];
}

export interface SeenBy {
  user: string;
  conversations: SeenConversation[];
  /** Their open modal, bottom view first. */
  modals: PersonalModal[];
  /** Their Home tab as the app last published it. */
  home: Record<string, any> | null;
}

const byTs = (a: { ts: string }, b: { ts: string }) => Number(a.ts) - Number(b.ts) || a.ts.localeCompare(b.ts);

/** Everything `user` would see in Slack now: their channels and DM with the app, their ephemerals, modals and Home. */
export function seenBy(fake: FakeSlack, roster: SandboxRoster, user: string): SeenBy {
  const author = (id: string) => fake.user(id)?.realName ?? fake.user(id)?.name ?? id;
  const conversation = (id: string, name: string, kind: SeenConversation['kind'], purpose: string, appIsMember: boolean): SeenConversation => {
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
      ...(message.files === undefined ? {} : { files: message.files.flatMap((id) => { const file = fake.file(id); return file ? [{ name: file.name, size: file.size, mimetype: file.mimetype }] : []; }) }),
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
