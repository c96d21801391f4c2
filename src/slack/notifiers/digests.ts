import { weeklyDigestBlocks, weeklyDigestText } from '../../../blocks/weekly-digest.js';
import type { Subscriber } from '../../events/types.js';
import { digestNotSent, weeklyDigest } from '../../tickets/weekly-digest.js';
import type { NotifierContext } from './context.js';

/** A lead's weekly digest, due Monday 09:00 in their time zone: a DM; when it cannot be sent, the next tick tries again. */
export function digestNotifier(context: NotifierContext): Subscriber {
  const { desk, send } = context;
  return {
    name: 'weekly digests',
    signals: {
      async weekly_digest_due(signal) {
        const digest = await weeklyDigest(desk, signal.lead, signal.from, signal.to);
        if (!digest) return;
        const sent = await send.dm(
          'weekly digest',
          signal.lead,
          weeklyDigestText(digest),
          weeklyDigestBlocks(digest, desk.clock()),
        );
        if (!sent) await digestNotSent(desk, signal.marker);
      },
    },
  };
}
