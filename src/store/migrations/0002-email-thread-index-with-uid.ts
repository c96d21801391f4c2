import type { Db } from 'mongodb';
import type { Migration } from './migration.js';

/** The index a requester's mail was threaded by before the IMAP uid broke ties of the same second. */
export const SUPERSEDED_EMAIL_THREAD_INDEX = 'ticketNumber_1_at_-1';

/**
 * email_messages was first indexed by (ticketNumber, at); the thread is now read by (ticketNumber, at,
 * uid), which the start builds. MongoDB keeps the older index and updates it on every mail filed for
 * nothing: it is dropped. (FerretDB keeps only unique indexes, so it has none to drop.) Dropping an
 * index that is gone already is nothing to do: safe to run again.
 */
export const emailThreadIndexWithUid: Migration = {
  number: 2,
  name: 'email-thread-index-with-uid',
  async up(db: Db, context) {
    const exists = (await db.listCollections({ name: 'email_messages' }, { nameOnly: true }).toArray()).length > 0;
    if (!exists) return;
    const emails = db.collection('email_messages');
    const indexes = await emails.indexes();
    if (!indexes.some((index) => index.name === SUPERSEDED_EMAIL_THREAD_INDEX)) return;
    await emails.dropIndex(SUPERSEDED_EMAIL_THREAD_INDEX).catch((error: unknown) => {
      // Another process dropped it between the look and the drop.
      if ((error as { codeName?: string }).codeName !== 'IndexNotFound') throw error;
    });
    context.log(
      `migration 2: dropped email_messages' ${SUPERSEDED_EMAIL_THREAD_INDEX}, superseded by the index with uid`,
    );
  },
};
