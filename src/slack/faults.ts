import type { AnyMiddlewareArgs, Middleware, RespondFn } from '@slack/bolt';
import { faultMessage, type Log } from '../log.js';
import { databaseUnavailable } from '../tickets/database-reach.js';

export const DATABASE_DOWN_TEXT =
  ':warning: That could not be done: the help desk cannot reach its database right now. Please try again in a minute.';
export const FAULT_TEXT =
  ":warning: That could not be done: something went wrong on the help desk's side. Please try again; if it keeps failing, tell whoever runs deskbolt.";

/**
 * The one place that tells a person their request failed. Listeners acknowledge Slack first and work
 * afterwards, so a fault after the ack (the database down, a bug) would leave the person with no
 * answer at all. On a fault this tells the person who asked (by response_url when Slack gave one, else
 * ephemerally where they are, else in their DM with the app) and passes the error on to the app's
 * error handler, which logs it. Events nobody sent to the bot on purpose (a message in a channel, a
 * Home opened) are only logged: telling there would be noise, and in an outage, a flood.
 */
export function tellPeopleOfFaults(log: Log): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    try {
      await args.next();
    } catch (error) {
      const asker = whoAsked(args.body as SlackBody);
      if (asker) {
        const text = databaseUnavailable(error) ? DATABASE_DOWN_TEXT : FAULT_TEXT;
        const { respond } = args as { respond?: RespondFn };
        try {
          if (respond) await respond({ response_type: 'ephemeral', replace_original: false, text });
          else if (asker.channel)
            await args.client.chat.postEphemeral({
              channel: asker.channel,
              user: asker.user,
              text,
              ...(asker.threadTs ? { thread_ts: asker.threadTs } : {}),
            });
          else await args.client.chat.postMessage({ channel: asker.user, text });
        } catch (telling) {
          log(`slack: could not tell ${asker.user} that their request failed: ${faultMessage(telling)}`, telling);
        }
      }
      throw error;
    }
  };
}

// biome-ignore lint/suspicious/noExplicitAny: any of Slack's payload shapes; each field read is checked below
type SlackBody = Record<string, any>;

interface Asker {
  user: string;
  channel?: string;
  threadTs?: string;
}

/** The person who asked the bot for something, and where they asked; undefined for everything else. */
function whoAsked(body: SlackBody): Asker | undefined {
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const asker = (user: unknown, channel?: unknown, threadTs?: unknown): Asker | undefined => {
    const id = text(user);
    if (!id) return undefined;
    const where = text(channel);
    const thread = text(threadTs);
    return { user: id, ...(where ? { channel: where } : {}), ...(thread ? { threadTs: thread } : {}) };
  };
  if (typeof body.command === 'string') return asker(body.user_id, body.channel_id);
  switch (body.type) {
    case 'block_actions':
    case 'message_action':
      return asker(body.user?.id, body.channel?.id);
    case 'view_submission':
    case 'shortcut':
      return asker(body.user?.id);
    case 'event_callback': {
      const event = body.event ?? {};
      const fromPerson =
        event.type === 'message' &&
        event.channel_type === 'im' &&
        !event.bot_id &&
        (event.subtype === undefined || event.subtype === 'file_share');
      return fromPerson ? asker(event.user, event.channel, event.thread_ts) : undefined;
    }
    default:
      return undefined;
  }
}
