import type { HandBackWatch, NewTicketEvent } from '../tickets/types.js';

/** Changes of owner after which nobody is waited on: the ticket is nobody's, or its owner chose it. */
const ENDS_WATCH = new Set<string>([
  'taken',
  'released',
  'escalated',
  'chat_accepted',
  'chat_requeued',
  'handed_back',
  'merged_into',
]);

/**
 * What a change's events make of the hand-back's watch: set when someone is given the ticket by
 * someone else (or accepts a hand-over), cleared when the owner changes any other way, untouched
 * (undefined) otherwise. Kept by the store in the same write as the change, so no workflow that
 * assigns has to remember it; whether the owner acted since is read from the history by the job.
 */
export function handBackWatchOf(events: readonly NewTicketEvent[]): HandBackWatch | null | undefined {
  let watch: HandBackWatch | null | undefined;
  for (const event of events) {
    if (event.action === 'assigned') {
      const given = event.actor.id !== event.to.assignee || event.to.via === 'handoff';
      watch = given
        ? { assignee: event.to.assignee, previous: event.from.assignee ?? null, since: new Date(event.at) }
        : null;
    } else if (ENDS_WATCH.has(event.action)) {
      watch = null;
    }
  }
  return watch;
}
