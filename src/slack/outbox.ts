import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { placeChat } from '../chats/chat.js';
import { mirrorOpened } from '../chats/followers.js';
import { rememberRelay } from '../chats/relay.js';
import { offerPosted } from '../chats/transfers.js';
import type { Log } from '../log.js';
import {
  type AfterPost,
  type Delivery,
  type DeliverySenders,
  NotReadyYet,
  type SlackOrder,
  type SlackPlace,
  type SlackPlaceRef,
  sendSlackMessage,
} from '../tickets/deliveries.js';
import type { Desk } from '../tickets/desk.js';
import { commentFilesToSend } from '../tickets/files.js';
import { placesOf, rememberRequesterThread } from '../tickets/places.js';
import { type ChannelWatch, inChannel } from './channel-check.js';
import { uploadToSlack } from './shared-files.js';

/** How long an agent's name and picture are reused before Slack is asked again (a changed picture shows within it). */
const AGENT_IDENTITY_KEPT_MS = 10 * 60_000;

/** Renders a ticket's live message (and where it stands): given by the notifier that owns it. */
export type LiveMessageSender = (delivery: Delivery) => Promise<void>;

/**
 * Slack messages that matter go out through the delivery queue: each is stored before it is sent,
 * sent at once, and retried with backoff when Slack says no (a 429 past the client's retries, a 500,
 * `internal_error`); one that finally fails stays shown on its ticket, and the agent whose action it
 * followed is told. Places are resolved when a message is sent, so a line for a thread whose parent is
 * still being retried waits for it.
 */
export class SlackOutbox {
  /** The queue's Slack side: what `attemptDelivery` calls for every Slack delivery, the retry job's included. */
  readonly senders: DeliverySenders;
  private liveMessages: LiveMessageSender | null = null;
  private readonly identities = new Map<string, { identity: { username?: string; icon_url?: string }; at: number }>();

  constructor(
    private readonly desk: Desk,
    private readonly client: WebClient,
    log: Log,
    channels?: ChannelWatch,
  ) {
    this.senders = {
      slack: (delivery) => this.deliver(delivery),
      tellAgent: async (agent, text) => {
        try {
          await client.chat.postMessage({ channel: agent, text });
        } catch (error) {
          log(`slack: telling ${agent} of a failed delivery failed too`, error);
        }
      },
      ...(channels ? { channelRefused: (refusal) => channels.refused(refusal) } : {}),
    };
  }

  /** The notifier that renders live ticket messages registers itself here. */
  rendersLiveMessages(sender: LiveMessageSender): void {
    this.liveMessages = sender;
  }

  /** Queues and sends a message; `id` names it for good (an event id and what the message is for). */
  async post(message: {
    id: string;
    ticketNumber: number;
    purpose: string;
    place: SlackPlace;
    text: string;
    blocks?: KnownBlock[];
    after?: AfterPost;
    actor?: string | null;
    as?: string;
  }): Promise<void> {
    const order: SlackOrder = {
      op: 'post',
      place: message.place,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.after ? { after: message.after } : {}),
      ...(message.as ? { as: message.as } : {}),
    };
    await sendSlackMessage(
      this.desk,
      {
        id: message.id,
        ticketNumber: message.ticketNumber,
        purpose: message.purpose,
        order,
        actor: message.actor ?? null,
      },
      this.senders,
    );
  }

  async update(message: {
    id: string;
    ticketNumber: number;
    purpose: string;
    ref: SlackPlaceRef;
    text: string;
    blocks?: KnownBlock[];
  }): Promise<void> {
    const order: SlackOrder = {
      op: 'update',
      ref: message.ref,
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
    };
    await sendSlackMessage(
      this.desk,
      { id: message.id, ticketNumber: message.ticketNumber, purpose: message.purpose, order },
      this.senders,
    );
  }

  private async deliver(delivery: Delivery): Promise<void> {
    // A reply (or survey) to a Slack requester: into their thread of the ticket, as the ticket's conversation.
    if (!delivery.slack) {
      if (delivery.to?.kind !== 'slack') throw new Error('not a Slack delivery');
      const ref = await this.place({
        kind: 'requester-thread',
        ticketNumber: delivery.ticketNumber,
        userId: delivery.to.userId,
      });
      // A reply with files goes as one share of them with the reply as its message: the requester sees them together.
      const files =
        delivery.purpose === 'reply' && delivery.commentId
          ? await commentFilesToSend(this.desk, delivery.commentId)
          : [];
      if (files.length > 0) {
        const channel =
          ref.thread?.channel ??
          (await this.client.conversations.open({ users: delivery.to.userId })).channel?.id ??
          ref.channel;
        await uploadToSlack(
          this.client,
          { channel, threadTs: ref.thread?.ts },
          files.map(({ file, bytes }) => ({ name: file.name, bytes })),
          delivery.text,
        );
        return;
      }
      const comment = delivery.commentId ? await this.desk.store.tickets.comment(delivery.commentId) : null;
      const author = comment?.author.kind === 'agent' ? await this.agentIdentity(comment.author.id) : {};
      await inChannel(ref.channel, () =>
        this.client.chat.postMessage({
          channel: ref.channel,
          text: delivery.text,
          ...(ref.thread ? { thread_ts: ref.thread.ts } : {}),
          ...author,
        }),
      );
      return;
    }
    const order = delivery.slack;
    switch (order.op) {
      case 'post': {
        const where = await this.place(order.place);
        const identity = order.as ? await this.agentIdentity(order.as) : {};
        const posted = await inChannel(where.channel, () =>
          this.client.chat.postMessage({
            channel: where.channel,
            text: order.text,
            ...(order.blocks ? { blocks: order.blocks as KnownBlock[] } : {}),
            ...(where.thread ? { thread_ts: where.thread.ts } : {}),
            ...identity,
          }),
        );
        if (order.after && posted.channel && posted.ts)
          await this.remember(order.after, { channel: posted.channel, ts: posted.ts });
        return;
      }
      case 'update':
        await inChannel(order.ref.channel, () =>
          this.client.chat.update({
            channel: order.ref.channel,
            ts: order.ref.ts,
            text: order.text,
            ...(order.blocks ? { blocks: order.blocks as KnownBlock[] } : {}),
          }),
        );
        return;
      case 'delete':
        await this.client.chat
          .delete({ channel: order.ref.channel, ts: order.ref.ts })
          .catch((error: { data?: { error?: string } }) => {
            // Gone already is what a delete wanted.
            if (error.data?.error !== 'message_not_found') throw error;
          });
        return;
      case 'live-message':
        if (!this.liveMessages) throw new NotReadyYet('no live-message renderer');
        await this.liveMessages(delivery);
        return;
    }
  }

  /**
   * The agent's name and picture, as the requester sees them on what the agent wrote: Slack's profile
   * picture, and the workspace file's name (Slack's when the file has none). Kept a while, so a busy chat
   * costs one users.info per agent, not one per message; Slack unreachable, the message still goes, as the bot.
   */
  private async agentIdentity(agentId: string): Promise<{ username?: string; icon_url?: string }> {
    const now = this.desk.clock().getTime();
    const known = this.identities.get(agentId);
    if (known && now - known.at < AGENT_IDENTITY_KEPT_MS) return known.identity;
    const named = this.desk.directory.agent(agentId)?.name;
    let identity: { username?: string; icon_url?: string } = named ? { username: named } : {};
    try {
      const user = (await this.client.users.info({ user: agentId })).user;
      const picture = user?.profile?.image_192 || user?.profile?.image_72;
      const username = named ?? (user?.profile?.display_name || user?.real_name || undefined);
      identity = { ...(username ? { username } : {}), ...(picture ? { icon_url: picture } : {}) };
    } catch {
      return identity;
    }
    this.identities.set(agentId, { identity, at: now });
    return identity;
  }

  /** Where a place is now; a parent that is not there yet makes the message wait. */
  private async place(place: SlackPlace): Promise<{ channel: string; thread: SlackPlaceRef | null }> {
    switch (place.kind) {
      case 'dm':
        return { channel: place.thread?.channel ?? place.userId, thread: place.thread ?? null };
      case 'channel':
        return { channel: place.channel, thread: place.thread ?? null };
      case 'chat-thread': {
        const chat = await this.desk.store.chats.get(place.ticketNumber);
        if (!chat?.thread.ts) throw new NotReadyYet(`chat #${place.ticketNumber} has no thread yet`);
        return { channel: chat.thread.channel, thread: chat.thread };
      }
      case 'ticket-thread': {
        const chat = await this.desk.store.chats.get(place.ticketNumber);
        if (chat) {
          if (!chat.thread.ts) throw new NotReadyYet(`chat #${place.ticketNumber} has no thread yet`);
          return { channel: chat.thread.channel, thread: chat.thread };
        }
        const live = (await placesOf(this.desk, place.ticketNumber)).live;
        if (!live) throw new NotReadyYet(`#${place.ticketNumber} has no live message yet`);
        return { channel: live.channel, thread: live };
      }
      case 'requester-thread': {
        const thread = (await placesOf(this.desk, place.ticketNumber)).requesterThread;
        return { channel: thread?.channel ?? place.userId, thread };
      }
    }
  }

  private async remember(after: AfterPost, ref: SlackPlaceRef): Promise<void> {
    switch (after.kind) {
      case 'chat-placed':
        await placeChat(this.desk, after.ticketNumber, ref);
        return;
      case 'offer-posted':
        await offerPosted(this.desk, after.transferId, ref);
        return;
      case 'relayed': {
        const chat = await this.desk.store.chats.get(after.ticketNumber);
        if (chat) await rememberRelay(this.desk, chat, after.original, ref, after.side);
        return;
      }
      case 'mirror-opened':
        await mirrorOpened(this.desk, after.ticketNumber, after.user, ref);
        return;
      case 'requester-thread':
        await rememberRequesterThread(this.desk, after.ticketNumber, ref);
        return;
    }
  }
}
