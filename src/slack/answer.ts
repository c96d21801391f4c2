import type { RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { faultMessage, type Log } from '../log.js';
import type { Desk } from '../tickets/desk.js';
import type { Refusal } from '../tickets/refusals.js';
import { refusalText } from './words.js';

/**
 * How a listener answers the person who asked — and only them (everyone else hears through the
 * notifiers). Where Slack gave a response_url (a command, a button on a message) the answer is an
 * ephemeral reply there; where it did not (a button on the App Home or in a modal, a modal that
 * closed) it is a DM from the bot.
 */
export interface Asker {
  /** Says `text` (mrkdwn) to the asker, with blocks when given. */
  say(text: string, blocks?: KnownBlock[]): Promise<void>;
  /** Says why the request was refused. */
  refuse(refusal: Refusal): Promise<void>;
}

export function askerOf(context: {
  desk: Desk;
  log: Log;
  client: WebClient;
  userId: string;
  respond?: RespondFn | undefined;
  hasResponseUrl: boolean;
}): Asker {
  const { desk, log, client, userId, respond } = context;
  const say = async (text: string, blocks?: KnownBlock[]) => {
    try {
      if (context.hasResponseUrl && respond)
        await respond({ response_type: 'ephemeral', replace_original: false, text, ...(blocks ? { blocks } : {}) });
      else await client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
    } catch (error) {
      log(`slack: answering ${userId} failed: ${faultMessage(error)}`, error);
    }
  };
  return { say, refuse: (refusal) => say(refusalText(desk, refusal)) };
}
