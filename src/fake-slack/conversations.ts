// ─── Who is in which conversation, and which are archived: what Slack checks before a bot posts ────
// A bot token with chat:write (and not chat:write.public, which deskbolt's manifest does not ask for)
// posts only where the bot is a member: invited by a person (`/invite @deskbolt`), or in a conversation
// it created or opened itself (https://docs.slack.dev/reference/scopes/chat.write/, "post messages in
// approved channels & conversations"). Everywhere else chat.postMessage answers `not_in_channel`; an
// archived channel answers `is_archived`; an id Slack does not know, or a private channel the bot cannot
// see, answers `channel_not_found` (https://docs.slack.dev/reference/methods/chat.postMessage/#errors).

export interface FakeChannel {
  id: string;
  name: string;
  /** A private channel: the bot not being in it cannot even see it (`channel_not_found`). Ids starting with G are private too. */
  isPrivate?: boolean;
  archived?: boolean;
  /** The bot was invited (the workspace set up as README's steps say). */
  botIsMember?: boolean;
}

interface Conversation {
  id: string;
  name: string;
  isPrivate: boolean;
  archived: boolean;
  members: Set<string>;
}

export type PostRefusal = 'channel_not_found' | 'not_in_channel' | 'is_archived';

export class Conversations {
  private readonly channels = new Map<string, Conversation>();
  private readonly dmByUser = new Map<string, string>();
  private readonly userByDm = new Map<string, string>();
  private dmCounter = 0;

  constructor(private readonly botUserId: string) {}

  add(channel: FakeChannel): void {
    const existing = this.channels.get(channel.id);
    const members = existing?.members ?? new Set<string>();
    if (channel.botIsMember) members.add(this.botUserId);
    this.channels.set(channel.id, {
      id: channel.id,
      name: channel.name,
      isPrivate: channel.isPrivate ?? channel.id.startsWith('G'),
      archived: channel.archived ?? existing?.archived ?? false,
      members,
    });
  }

  named(name: string): FakeChannel | undefined {
    const wanted = name.toLowerCase();
    const found = [...this.channels.values()].find((channel) => channel.name.toLowerCase() === wanted);
    return found === undefined ? undefined : this.describe(found);
  }

  get(id: string): FakeChannel | undefined {
    const found = this.channels.get(id);
    return found === undefined ? undefined : this.describe(found);
  }

  /** A person invites someone (the bot, usually): Slack makes the channel known to them too. */
  invite(id: string, user: string, name = id.toLowerCase()): void {
    if (!this.channels.has(id)) this.add({ id, name });
    this.channels.get(id)!.members.add(user);
  }

  remove(id: string, user: string): void {
    this.channels.get(id)?.members.delete(user);
  }

  archive(id: string): void {
    const channel = this.channels.get(id);
    if (channel === undefined) throw new Error(`no channel ${id}`);
    channel.archived = true;
  }

  unarchive(id: string): void {
    const channel = this.channels.get(id);
    if (channel === undefined) throw new Error(`no channel ${id}`);
    channel.archived = false;
  }

  isMember(id: string, user: string): boolean {
    return this.channels.get(id)?.members.has(user) ?? false;
  }

  /**
   * The DM between the bot and a person. Its id is opaque, as Slack's are: only conversations.open (or an
   * event from that DM) tells it, so nothing may derive it from the user id
   * (https://docs.slack.dev/reference/methods/conversations.open/).
   */
  dmOf(user: string): string {
    const known = this.dmByUser.get(user);
    if (known !== undefined) return known;
    const id = `D0${(++this.dmCounter * 7919 + 0x4d2).toString(36).toUpperCase().padStart(8, '0')}`;
    this.dmByUser.set(user, id);
    this.userByDm.set(id, user);
    return id;
  }

  userOfDm(id: string): string | undefined {
    return this.userByDm.get(id);
  }

  /** Why the bot may not post (or update, or delete) in this conversation; undefined when it may. */
  postRefusal(id: string): PostRefusal | undefined {
    if (id.startsWith('D')) return this.userByDm.has(id) ? undefined : 'channel_not_found';
    const channel = this.channels.get(id);
    if (channel === undefined) return 'channel_not_found';
    const member = channel.members.has(this.botUserId);
    if (channel.isPrivate && !member) return 'channel_not_found';
    if (channel.archived) return 'is_archived';
    return member ? undefined : 'not_in_channel';
  }

  /**
   * conversations.info as a bot sees it: a private channel it is not in does not exist for it
   * (https://docs.slack.dev/reference/methods/conversations.info/: `channel_not_found`); `is_member`
   * and `is_archived` say whether it can post there.
   */
  info(id: string): Record<string, unknown> | undefined {
    const channel = this.channels.get(id);
    if (channel === undefined) return undefined;
    const member = channel.members.has(this.botUserId);
    if (channel.isPrivate && !member) return undefined;
    return {
      id,
      name: channel.name,
      created: 1_600_000_000,
      is_im: false,
      is_channel: !channel.isPrivate,
      is_group: channel.isPrivate,
      is_private: channel.isPrivate,
      is_archived: channel.archived,
      is_member: member,
      num_members: channel.members.size,
    };
  }

  private describe(channel: Conversation): FakeChannel {
    return {
      id: channel.id,
      name: channel.name,
      isPrivate: channel.isPrivate,
      archived: channel.archived,
      botIsMember: channel.members.has(this.botUserId),
    };
  }
}
