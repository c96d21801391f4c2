import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { GenericMessageEvent, KnownBlock, MessageChangedEvent, MessageDeletedEvent } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { topicQuestion, whichTicketQuestion } from '../../../blocks/notices.js';
import { escapeMrkdwn } from '../../../blocks/text.js';
import { intakeRequestGroup, type RequesterChatMessage, sourceKeyOf } from '../../chats/chat.js';
import {
  chatOfThread,
  filesPlaceOf,
  firstVisitToMessages,
  openChatOf,
  routeDirectMessage,
} from '../../chats/direct-messages.js';
import { followerWrote } from '../../chats/followers.js';
import { deleteRelayed, editRelayed, type NoteReason, shareFile, threadReply } from '../../chats/relay.js';
import { requesterMessaged, requesterRepliedInThread } from '../../chats/routing.js';
import type { Chat, SlackRef } from '../../chats/types.js';
import { faultMessage } from '../../log.js';
import { attachSlackFiles } from '../../tickets/files.js';
import { isRefusal } from '../../tickets/refusals.js';
import { REPLY_MAX, replyCommentId } from '../../tickets/requester-reply.js';
import { readSlackText } from '../decode-slack-text.js';
import { publishHome } from '../home.js';
import { slackNames } from '../profiles.js';
import { readSharedFiles, refusedFilesText } from '../shared-files.js';
import { refusalText } from '../words.js';
import type { ListenerDeps } from './answers.js';

type MessageArgs = SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs;

/** A person's new words: a plain message, one with files, one sent to the channel from a thread, or a /me. */
interface NewWords {
  user: string;
  text: string;
  ts: string;
  thread_ts?: string | undefined;
  channel: string;
  channel_type?: string;
  files?: { id: string; name?: string }[] | undefined;
}

/** Message subtypes that carry a person's new words; every other subtype (joins, topic changes, bots) is ignored. */
const NEW_WORDS_SUBTYPES = new Set<string | undefined>([undefined, 'file_share', 'thread_broadcast', 'me_message']);

function newWords(event: MessageArgs['event']): NewWords | null {
  const message = event as GenericMessageEvent;
  if (!NEW_WORDS_SUBTYPES.has(message.subtype) || message.bot_id || typeof message.user !== 'string') return null;
  return {
    user: message.user,
    text: message.text ?? '',
    ts: message.ts,
    thread_ts: message.thread_ts,
    channel: message.channel,
    channel_type: message.channel_type,
    files: message.files?.map((file) => ({ id: file.id, ...(file.name ? { name: file.name } : {}) })),
  };
}

/** How a listener tells one person something in a chat's thread, seen by them alone. */
async function tellInThread(
  client: WebClient,
  deps: ListenerDeps,
  thread: SlackRef,
  user: string,
  text: string,
): Promise<void> {
  try {
    await client.chat.postEphemeral({ channel: thread.channel, thread_ts: thread.ts, user, text });
  } catch (error) {
    deps.log(`slack: ephemeral in chat thread failed: ${faultMessage(error)}`, error);
  }
}

function notRelayedBecause(chat: Chat, reason: NoteReason): string {
  if (reason === 'not-the-agent')
    return `Only <@${chat.agent}> speaks to the requester in this chat; your message stays in the thread as an internal note.`;
  if (chat.state === 'ended')
    return 'This chat has ended, so your message was not sent; it stays in the thread as an internal note. Reply on the ticket instead.';
  return 'Nobody has accepted this chat yet, so your message was not sent; it stays in the thread as an internal note. Accept the chat first.';
}

async function tellRequester(
  deps: ListenerDeps,
  client: WebClient,
  requesterDm: string,
  text: string,
  blocks?: KnownBlock[],
  threadTs?: string,
): Promise<void> {
  try {
    await client.chat.postMessage({
      channel: requesterDm,
      text,
      ...(blocks ? { blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  } catch (error) {
    deps.log(`slack: answering the requester failed: ${faultMessage(error)}`, error);
  }
}

/** A requester's new message: a chat continues or starts, or they are asked which ticket (or topic) it is about. */
async function fromRequester(deps: ListenerDeps, client: WebClient, message: RequesterChatMessage): Promise<void> {
  const outcome = await requesterMessaged(deps.desk, message);
  if (isRefusal(outcome)) return tellRequester(deps, client, message.requesterDm, refusalText(deps.desk, outcome));
  if (outcome.kind === 'ask-ticket') {
    const question = whichTicketQuestion(outcome.key, outcome.tickets);
    return tellRequester(deps, client, message.requesterDm, question.text, question.blocks);
  }
  if (outcome.kind === 'ask-topic') {
    const question = topicQuestion(outcome.key, outcome.topics);
    return tellRequester(deps, client, message.requesterDm, question.text, question.blocks);
  }
}

/** A reply in the requester's thread of a ticket (its receipt): a comment on that ticket, never a new chat. */
async function inRequesterThread(
  deps: ListenerDeps,
  client: WebClient,
  ticketNumber: number,
  message: RequesterChatMessage,
  files: readonly { id: string; name?: string }[],
): Promise<void> {
  // Files are read before the reply is written: the comment the assignee is told of already has them.
  const seen = files.length > 0 ? await readSharedFiles(client, files, deps.log) : [];
  const result = await requesterRepliedInThread(deps.desk, ticketNumber, message, files.length > 0);
  if (!result.ok) return tellRequester(deps, client, message.requesterDm, refusalText(deps.desk, result));
  if (seen.length === 0) return;
  const commentId = replyCommentId(sourceKeyOf(message.source));
  const outcome = await attachSlackFiles(deps.desk, {
    ticketNumber: result.ticket.number,
    commentId,
    files: seen,
    actor: { kind: 'requester', id: message.requester },
  });
  if (outcome.refused.length > 0)
    await tellRequester(
      deps,
      client,
      message.requesterDm,
      refusedFilesText(deps.desk, outcome.refused),
      undefined,
      message.source.ts,
    );
}

/**
 * Files a requester shared as a message of their own, outside any ticket's thread. With a chat open
 * they belong to the chat's ticket (the chat relays them to the agent by link); with none they start
 * nothing: a file alone says too little to open a conversation, so the requester is told where to put it.
 */
async function filesOutsideAThread(
  deps: ListenerDeps,
  client: WebClient,
  chat: Chat | null,
  message: RequesterChatMessage,
  files: readonly { id: string; name?: string }[],
): Promise<void> {
  if (!chat) {
    return tellRequester(
      deps,
      client,
      message.requesterDm,
      'I did not add that file to anything: to add it to a ticket, share it in the ticket’s thread here (reply to my message about the ticket), or write a few words with it to start a conversation.',
    );
  }
  const seen = await readSharedFiles(client, files, deps.log);
  const commentId = replyCommentId(sourceKeyOf(message.source));
  const outcome = await attachSlackFiles(deps.desk, {
    ticketNumber: chat.ticketNumber,
    commentId,
    files: seen,
    actor: { kind: 'requester', id: message.requester },
  });
  if (outcome.refused.length > 0)
    await tellRequester(deps, client, message.requesterDm, refusedFilesText(deps.desk, outcome.refused));
}

/** A follower wrote in their copy of a chat (their DM with the bot): kept as an internal note; they are told it was not relayed. */
async function fromFollower(
  deps: ListenerDeps,
  client: WebClient,
  words: NewWords & { thread_ts: string },
): Promise<boolean> {
  const text = words.text.trim().slice(0, REPLY_MAX);
  const verdict = await followerWrote(
    deps.desk,
    { channel: words.channel, ts: words.thread_ts },
    { author: words.user, text, source: { channel: words.channel, ts: words.ts } },
  );
  if (!verdict) return false;
  if (!verdict.ok) {
    await client.chat
      .postMessage({
        channel: words.channel,
        thread_ts: words.thread_ts,
        text: `Not kept: ${refusalText(deps.desk, verdict)}`,
      })
      .catch((error: unknown) => deps.log('slack: follower note refusal failed', error));
    return true;
  }
  if (!verdict.duplicate) {
    await client.chat
      .postMessage({
        channel: words.channel,
        thread_ts: words.thread_ts,
        text: `Kept as an internal note on chat #${verdict.chat.ticketNumber}; it was not sent to the requester.`,
      })
      .catch((error: unknown) => deps.log('slack: follower note receipt failed', error));
  }
  return true;
}

async function inChatThread(deps: ListenerDeps, client: WebClient, chat: Chat, words: NewWords): Promise<void> {
  const source: SlackRef = { channel: words.channel, ts: words.ts };
  if (words.text.trim()) {
    const verdict = await threadReply(
      deps.desk,
      chat,
      { author: words.user, text: words.text, source },
      slackNames(client, deps.desk, chat, words.user),
    );
    if (!verdict.ok) return tellInThread(client, deps, chat.thread, words.user, refusalText(deps.desk, verdict));
    if (verdict.kind === 'note') {
      if (!verdict.duplicate && verdict.reason !== 'prefix')
        await tellInThread(client, deps, chat.thread, words.user, notRelayedBecause(chat, verdict.reason));
      return;
    }
  }
  if (chat.state === 'live' && chat.agent === words.user) {
    for (const file of words.files ?? [])
      shareFile(deps.desk, chat, { fileId: file.id, side: 'agent', sender: words.user });
  }
}

/**
 * The Messages tab is the person's DM with the app (app_home_opened with `tab: messages`, its `channel`
 * the DM's id: an opaque id, never made from the user's). The first time they open it, one short
 * message says what writing there does; after that, opening it is answered with nothing.
 */
async function welcomeToMessages(deps: ListenerDeps, client: WebClient, user: string, channel: string): Promise<void> {
  const { desk } = deps;
  if (!(await firstVisitToMessages(desk, user))) return;
  const team = escapeMrkdwn(desk.directory.workspace.name);
  const text = desk.directory.agent(user)
    ? `This is where deskbolt tells you about your tickets, chats and hand-overs for ${team}. Your Home tab lists what is yours; \`/ticket help\` lists the rest.`
    : `Need help from ${team} support? Write here: your message starts a conversation with the team, and their answers arrive in this conversation. \`/ticket new\` files a ticket with a form instead.`;
  try {
    await client.chat.postMessage({ channel, text });
  } catch (error) {
    // A welcome that did not go is no reason for the next visit to send it twice: remembered either way.
    deps.log(`slack: the Messages tab welcome for ${user} failed: ${faultMessage(error)}`, error);
  }
}

async function message(deps: ListenerDeps, args: MessageArgs): Promise<void> {
  const { event, client, context } = args;
  if (event.subtype === 'message_changed') return edited(deps, client, event as MessageChangedEvent, context.botUserId);
  if (event.subtype === 'message_deleted')
    return deleteRelayed(deps.desk, { channel: event.channel, ts: (event as MessageDeletedEvent).deleted_ts });
  const words = newWords(event);
  if (!words) return;
  // Slack's encoding is read once, here: everything after works with the words as written.
  words.text = await readSlackText(client, deps.desk.directory, words.text);
  const source: SlackRef = { channel: words.channel, ts: words.ts };
  if (words.channel_type === 'im' || words.channel.startsWith('D')) {
    const files = words.files ?? [];
    if (!words.text.trim() && files.length === 0) return;
    const message: RequesterChatMessage = {
      requester: words.user,
      requesterDm: words.channel,
      source,
      text: words.text,
      via: 'dm',
    };
    if (
      words.thread_ts &&
      words.text.trim() &&
      (await fromFollower(deps, client, words as NewWords & { thread_ts: string }))
    )
      return;
    const route = await routeDirectMessage(deps.desk, message, words.thread_ts);
    if (route.kind === 'ticket-thread') return inRequesterThread(deps, client, route.ticketNumber, message, files);
    if (route.kind === 'files-alone') return filesOutsideAThread(deps, client, route.chat, message, files);
    await fromRequester(deps, client, message);
    if (files.length > 0) await filesOfNewWords(deps, client, message, files);
    return;
  }
  if (words.thread_ts) {
    const chat = await chatOfThread(deps.desk, { channel: words.channel, ts: words.thread_ts });
    if (chat) return inChatThread(deps, client, chat, words);
  }
  if (!intakeRequestGroup(deps.desk, words.channel, words.user) || !words.text.trim()) return;
  let requesterDm = words.user;
  try {
    const opened = await client.conversations.open({ users: words.user });
    if (opened.channel?.id) requesterDm = opened.channel.id;
  } catch (error) {
    deps.log(`slack: open requester DM failed: ${faultMessage(error)}`, error);
  }
  const message: RequesterChatMessage = {
    requester: words.user,
    requesterDm,
    source,
    text: words.text,
    via: 'intake-channel',
  };
  await fromRequester(deps, client, message);
  if (words.files?.length) await filesOfNewWords(deps, client, message, words.files);
}

/** Files that came with words that started or continued a chat: kept with the comment those words became. */
async function filesOfNewWords(
  deps: ListenerDeps,
  client: WebClient,
  message: RequesterChatMessage,
  files: readonly { id: string; name?: string }[],
): Promise<void> {
  const place = await filesPlaceOf(deps.desk, message);
  if (!place) return;
  const seen = await readSharedFiles(client, files, deps.log);
  const outcome = await attachSlackFiles(deps.desk, {
    ...place,
    files: seen,
    actor: { kind: 'requester', id: message.requester },
  });
  if (outcome.refused.length > 0)
    await tellRequester(deps, client, message.requesterDm, refusedFilesText(deps.desk, outcome.refused));
}

async function edited(
  deps: ListenerDeps,
  client: WebClient,
  event: MessageChangedEvent,
  botUserId: string | undefined,
): Promise<void> {
  const changed = event.message as GenericMessageEvent;
  if (!changed?.user || changed.user === botUserId || changed.bot_id) return;
  // Slack also sends message_changed for link unfurls: only a change of the words is an edit.
  if (changed.text === (event.previous_message as GenericMessageEvent | undefined)?.text) return;
  const text = await readSlackText(client, deps.desk.directory, changed.text);
  const result = await editRelayed(
    deps.desk,
    { channel: event.channel, ts: changed.ts },
    { editor: changed.user, text },
    (chat, agentId) => slackNames(client, deps.desk, chat, agentId),
  );
  if (result.ok) return;
  const chat = await chatOfThread(deps.desk, { channel: event.channel, ts: changed.thread_ts ?? '' });
  if (chat)
    await tellInThread(
      client,
      deps,
      chat.thread,
      changed.user,
      `Your edit was not sent: ${refusalText(deps.desk, result)}`,
    );
}

async function fileShared(
  deps: ListenerDeps,
  { event, context }: SlackEventMiddlewareArgs<'file_shared'> & AllMiddlewareArgs,
): Promise<void> {
  if (event.user_id === context.botUserId) return;
  // Files in a thread arrive with their message (file_share), which names the thread; a DM has one chat.
  if (!event.channel_id.startsWith('D')) return;
  // A file never starts a chat on its own (the message it came with decides where it goes); with a
  // chat open it is relayed to the agent by link.
  const chat = await openChatOf(deps.desk, event.user_id);
  if (!chat) return;
  shareFile(deps.desk, chat, { fileId: event.file_id, side: 'requester', sender: event.user_id });
}

/** Every Events API subscription of the manifest, registered explicitly. Bolt's ignoreSelf drops the bot's own messages. */
export function registerEvents(app: App, deps: ListenerDeps): void {
  app.event('message', (args) => message(deps, args));
  app.event('file_shared', (args) => fileShared(deps, args));
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab === 'home') await publishHome(client, deps.desk, event.user);
    else if (event.tab === 'messages') await welcomeToMessages(deps, client, event.user, event.channel);
  });
}
