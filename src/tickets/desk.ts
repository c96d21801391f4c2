import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { Directory } from '../workspace/directory.js';

/** What every workflow function works with: the data, the people, and the time. */
export interface Desk {
  store: Store;
  directory: Directory;
  clock: Clock;
  settings: DeskSettings;
}

export interface DeskSettings {
  pendingCloseDays: number;
  solvedCloseDays: number;
  transferExpirySeconds: number;
  timeZone: string;
  /** Where this app is reached from outside, for links in webhooks (survey links); absent: links are given as paths. */
  publicUrl?: string | undefined;
}

/** A person did something that cannot be done; the reason is written for them. */
export interface Refusal {
  ok: false;
  reason: string;
}

export function refuse(reason: string): Refusal {
  return { ok: false, reason };
}
