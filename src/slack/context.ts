import type { RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Metrics } from '../metrics.js';
import type { Desk } from '../tickets/desk.js';
import type { MentionedPerson } from '../workspace/people.js';
import type { Log } from './notify.js';

/** What every Slack adapter gets: the desk to call, and a log for faults that must not reach users. */
export interface SlackDeps {
  desk: Desk;
  log: Log;
  /** Listener counts and latency; absent in workflow-only tests. */
  metrics?: Metrics;
}

/** A `/ticket` subcommand, as the router hands it over. */
export interface SubcommandContext {
  deps: SlackDeps;
  userId: string;
  channelId: string;
  /** The text after the subcommand word, as the person wrote it (Slack's encoding read once). */
  args: string;
  /** People the text mentioned by id, and how each reads in `args` (`@ana`). */
  mentions: MentionedPerson[];
  triggerId: string;
  client: WebClient;
  respond: RespondFn;
}

export interface Subcommand {
  usage: string;
  what: string;
  /** Shown only to agents in help. */
  agentsOnly?: boolean;
  run(context: SubcommandContext): Promise<void>;
}

export async function tellEphemeral(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: 'ephemeral', text });
}
