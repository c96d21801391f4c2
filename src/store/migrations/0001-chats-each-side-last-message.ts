import type { Db } from 'mongodb';
import type { Migration } from './migration.js';

/** How many of a chat ticket's latest public comments are read to find each side's last message. */
const COMMENTS_READ = 200;
const BATCH = 100;

interface ChatShape {
  _id: string;
  startedAt: Date;
  lastRequesterAt?: Date;
  lastAgentAt?: Date;
}

interface CommentShape {
  _id: string;
  author: { kind: string };
  createdAt: Date;
}

/**
 * A chat kept by a deskbolt older than the Home's "My live chats" has no `lastRequesterAt` nor
 * `lastAgentAt`: the Home then takes the chat's start for the requester's last message and owes every
 * such chat to the agent. Each side's last message is read from the ticket's public comments (the
 * chat's messages are stored there). Only chats not ended: an ended chat is never listed. `$max`, so a
 * run again (after a cut) or a message relayed meanwhile never moves a time back.
 */
export const chatsEachSideLastMessage: Migration = {
  number: 1,
  name: 'chats-each-side-last-message',
  async up(db: Db, context) {
    const chats = db.collection<ChatShape>('chats');
    const comments = db.collection<CommentShape>('comments');
    const cursor = chats
      .find(
        { state: { $in: ['waiting', 'live'] } },
        { projection: { _id: 1, startedAt: 1, lastRequesterAt: 1, lastAgentAt: 1 } },
      )
      .batchSize(BATCH);
    let done = 0;
    for await (const chat of cursor) {
      if (chat.lastRequesterAt && chat.lastAgentAt) continue;
      const latest = await comments
        .find(
          { ticketNumber: Number(chat._id), kind: 'public' },
          { projection: { _id: 1, author: 1, createdAt: 1 }, sort: { createdAt: -1, _id: -1 }, limit: COMMENTS_READ },
        )
        .toArray();
      const requesterAt = latest.find((comment) => comment.author?.kind === 'requester')?.createdAt ?? chat.startedAt;
      const agentAt = latest.find((comment) => comment.author?.kind === 'agent')?.createdAt;
      await chats.updateOne(
        { _id: chat._id },
        { $max: { lastRequesterAt: requesterAt, ...(agentAt ? { lastAgentAt: agentAt } : {}) } },
      );
      done += 1;
      if (done % BATCH === 0 && !(await context.keepLease())) throw new Error('lost the migrations lease');
    }
    if (done > 0) context.log(`migration 1: ${done} chat(s) learned when each side last wrote`);
  },
};
