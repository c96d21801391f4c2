import type { Clock } from '../clock.js';
import type { DeskEvents } from '../events/types.js';
import type { Store } from '../store/store.js';
import type { Directory } from '../workspace/directory.js';

/** What every workflow function works with: the data, the people, the time, and where to say what happened. */
export interface Desk {
  store: Store;
  directory: Directory;
  clock: Clock;
  settings: DeskSettings;
  /** Workflows say here what they changed; who is told is decided by the subscribers wired at the composition root. */
  events: DeskEvents;
}

export interface DeskSettings {
  pendingCloseDays: number;
  solvedCloseDays: number;
  transferExpirySeconds: number;
  timeZone: string;
  /** Where this app is reached from outside, for links in webhooks (survey links); absent: links are given as paths. */
  publicUrl?: string | undefined;
}

export { refuse, type Refusal } from './refusals.js';
