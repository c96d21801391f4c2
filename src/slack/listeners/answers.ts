import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  RespondFn,
  SlackActionMiddlewareArgs,
  SlackViewMiddlewareArgs,
  StaticSelectAction,
  ViewSubmitAction,
} from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { queueChoice } from '../../../blocks/chat-desk.js';
import { surveyMessage } from '../../../blocks/satisfaction.js';
import { followChat, unfollowChat } from '../../chats/followers.js';
import type { TransferRefusal } from '../../chats/transfers.js';
import type { Log } from '../../log.js';
import type { Desk } from '../../tickets/desk.js';
import type { MentionedPerson } from '../../tickets/people.js';
import type { FactsOf, Refusal } from '../../tickets/refusals.js';
import type { RateResult } from '../../tickets/satisfaction.js';
import type { TakeResult } from '../../tickets/take.js';
import { cardView } from '../../tickets/views.js';
import { type Asker, askerOf } from '../answer.js';
import { takenBlocks } from '../screens.js';
import { refusalText } from '../words.js';

/**
 * What listeners share: the dependencies every listener gets, the `/ticket` subcommand shape, and the
 * answers more than one surface gives (a take, a follow, a transfer that could be queued, a survey
 * answer), so no listener imports another.
 */
export interface ListenerDeps {
  desk: Desk;
  log: Log;
}

/** What Bolt hands a listener of a button, a select and a modal's submission. */
export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
export type SelectArgs = SlackActionMiddlewareArgs<BlockAction<StaticSelectAction>> & AllMiddlewareArgs;
export type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** A `/ticket` subcommand, as the router hands it over. */
export interface SubcommandContext {
  desk: Desk;
  log: Log;
  userId: string;
  /** The text after the subcommand word, as the person wrote it (Slack's encoding read once). */
  args: string;
  /** People the text mentioned by id, and how each reads in `args` (`@ben`). */
  mentions: MentionedPerson[];
  triggerId: string;
  client: WebClient;
  respond: RespondFn;
  asker: Asker;
}

export interface Subcommand {
  usage: string;
  what: string;
  /**
   * For agents only: shown only to them in help, and refused to anyone else by the router before it
   * runs. `true` refuses in the general words (`not_an_agent`); a phrase says what only agents can do.
   */
  agentsOnly?: true | FactsOf<'agents_only'>['action'];
  /**
   * Listed in help only to leads and admins. The workflow refuses everyone else in its own words (who
   * leads what is per group, so the router cannot decide it from the role alone).
   */
  leadsOnly?: true;
  run(context: SubcommandContext): Promise<void>;
}

/** The person who clicked: answered where they clicked (a message's response_url) or in a DM (the App Home, a modal). */
export function askerOfClick(
  deps: ListenerDeps,
  {
    body,
    client,
    respond,
  }: { body: { user: { id: string }; response_url?: string }; client: WebClient; respond: RespondFn },
): Asker {
  return askerOf({
    desk: deps.desk,
    log: deps.log,
    client,
    userId: body.user.id,
    respond,
    hasResponseUrl: Boolean(body.response_url),
  });
}

/** Someone who submitted a modal: it has closed, so they are answered in a DM. */
export function askerOfSubmit(
  deps: ListenerDeps,
  { body, client }: { body: { user: { id: string } }; client: WebClient },
): Asker {
  return askerOf({ desk: deps.desk, log: deps.log, client, userId: body.user.id, hasResponseUrl: false });
}

/** "You took #N", the card, and nothing more: the alert, the requester and the home hear through the notifiers. */
export async function answerTake(
  desk: Desk,
  asker: Asker,
  userId: string,
  result: TakeResult | Refusal,
): Promise<void> {
  if (!result.ok) return asker.refuse(result);
  const text = result.alreadyYours
    ? `#${result.ticket.number} is already yours.`
    : `You took #${result.ticket.number}.`;
  await asker.say(text, await takenBlocks(desk, result, await cardView(desk, result.ticket.number, userId, result)));
}

/** A group transfer that found nobody online offers to queue it; the refusal's sentence stays word for word. */
export function queueChoiceFor(desk: Desk, ticketNumber: number, refusal: TransferRefusal) {
  if (refusal.queueable === undefined) return undefined;
  return queueChoice({
    reason: refusalText(desk, refusal),
    ticketNumber,
    groupId: refusal.queueable,
    groupName: desk.directory.groupName(refusal.queueable),
  });
}

export async function follow(desk: Desk, asker: Asker, ticketNumber: number, user: string): Promise<void> {
  const result = await followChat(desk, { ticketNumber, user });
  if (!result.ok) return asker.refuse(result);
  if (result.already) return asker.say(`You already follow chat #${ticketNumber}: its copy is in your DM with me.`);
  await asker.say(
    `You follow chat #${ticketNumber} now: the conversation is copied into your DM with me as it happens. The requester does not see you.`,
  );
}

export async function unfollow(desk: Desk, asker: Asker, ticketNumber: number, user: string): Promise<void> {
  const result = await unfollowChat(desk, { ticketNumber, user });
  if (!result.ok) return asker.refuse(result);
  await asker.say(`You no longer follow chat #${ticketNumber}.`);
}

/** A recorded answer: the survey message shows it (where we can reach it), a refusal is told. */
export async function answerSurvey(
  deps: ListenerDeps,
  asker: Asker,
  respond: RespondFn | undefined,
  ref: { number: number; solve: number },
  result: RateResult | Refusal,
): Promise<void> {
  if (!result.ok) return asker.refuse(result);
  if (respond) {
    await respond({
      replace_original: true,
      text: `How did we do on #${ref.number}?`,
      blocks: surveyMessage(result.ticket, ref, result.survey.rating),
    }).catch((error: unknown) => deps.log('slack: survey message update failed', error));
  }
}
