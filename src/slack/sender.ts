import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { SlackRef } from '../chats/types.js';
import { faultMessage, type Log } from '../log.js';

/**
 * The notifiers' way to Slack: every call names what it is for, and a failure is logged with that
 * name and answered with null — the change it reports has already happened and must not look failed.
 */
export class SlackSender {
  constructor(
    readonly client: WebClient,
    private readonly log: Log,
  ) {}

  async post(
    what: string,
    message: { channel: string; text: string; blocks?: KnownBlock[]; thread?: SlackRef | null },
  ): Promise<SlackRef | null> {
    return this.attempt(what, async () => {
      const posted = await this.client.chat.postMessage({
        channel: message.channel,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks } : {}),
        ...(message.thread ? { thread_ts: message.thread.ts } : {}),
      });
      return posted.channel && posted.ts ? { channel: posted.channel, ts: posted.ts } : null;
    });
  }

  /** A direct message from the bot: a user id posts into that person's DM with it. */
  dm(what: string, userId: string, text: string, blocks?: KnownBlock[]): Promise<SlackRef | null> {
    return this.post(what, { channel: userId, text, ...(blocks ? { blocks } : {}) });
  }

  async update(what: string, ref: SlackRef, text: string, blocks?: KnownBlock[]): Promise<boolean> {
    const done = await this.attempt(what, async () => {
      await this.client.chat.update({ channel: ref.channel, ts: ref.ts, text, ...(blocks ? { blocks } : {}) });
      return true;
    });
    return done === true;
  }

  async delete(what: string, ref: SlackRef): Promise<void> {
    await this.attempt(what, () => this.client.chat.delete({ channel: ref.channel, ts: ref.ts }));
  }

  async ephemeral(what: string, where: SlackRef & { thread?: boolean }, user: string, text: string): Promise<void> {
    await this.attempt(what, () =>
      this.client.chat.postEphemeral({
        channel: where.channel,
        user,
        text,
        ...(where.thread ? { thread_ts: where.ts } : {}),
      }),
    );
  }

  async permalink(ref: SlackRef): Promise<string | null> {
    return this.attempt(
      'permalink',
      async () => (await this.client.chat.getPermalink({ channel: ref.channel, message_ts: ref.ts })).permalink ?? null,
    );
  }

  private async attempt<T>(what: string, call: () => Promise<T>): Promise<T | null> {
    try {
      return await call();
    } catch (error) {
      this.log(`slack: ${what} failed: ${faultMessage(error)}`, error);
      return null;
    }
  }
}
