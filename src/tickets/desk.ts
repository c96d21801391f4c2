import type { Clock } from '../clock.js';
import type { DeskEvents } from '../events/types.js';
import type { Store } from '../store/store.js';
import type { ChannelChecks } from '../workspace/channel-check.js';
import type { Directory } from '../workspace/directory.js';
import type { ReloadOutcome } from '../workspace/reload.js';

/** What every workflow function works with: the data, the people, the time, and where to say what happened. */
export interface Desk {
  store: Store;
  directory: Directory;
  clock: Clock;
  settings: DeskSettings;
  /** Workflows say here what they changed; who is told is decided by the subscribers wired at the composition root. */
  events: DeskEvents;
  /**
   * Told each time a multi-step workflow (a merge, an accepted transfer) has recorded a step. Only
   * tests set it, through startDeskbolt's options: a test process pauses at a named step and is killed
   * there, to prove a new process finishes the work. Unset, nothing waits.
   */
  checkpoint?: (reached: Checkpoint) => Promise<void>;
  /** Whether deskbolt can post in each channel of the workspace file, as Slack last said (set where Slack is reachable). */
  channels?: ChannelChecks;
  /** Reads the workspace file again (`/ticket admin reload`); set when the desk was started from a file. */
  reloadWorkspace?: (reason: string) => Promise<ReloadOutcome>;
}

/** A recorded step of a multi-step workflow: MergeStep or TransferStep, and the ticket it is about. */
export interface Checkpoint {
  workflow: 'merge' | 'transfer';
  step: string;
  ticket: number;
}

export interface DeskSettings {
  pendingCloseDays: number;
  solvedCloseDays: number;
  transferExpirySeconds: number;
  timeZone: string;
  /** Where this app is reached from outside, for links in webhooks (survey links); absent: links are given as paths. */
  publicUrl?: string | undefined;
  /** SMTP_URL is set: replies to email requesters go out as mail, not to the outbound webhook. */
  sendsMail?: boolean;
  /** MAIL_FROM: the From of mail no mailbox sends, and one of deskbolt's own addresses (mail from it is a loop). */
  mailFrom?: string | undefined;
  /** Signs the download links of stored files (see files.ts); without one, stored files are listed but not linked. */
  fileLinkSecret?: string | undefined;
}

export { type Refusal, refuse } from './refusals.js';
