import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { chatGroupFor, requesterWrote, type RequesterChatMessage } from '../chats/chat.js';
import { followerWrote } from '../chats/followers.js';
import { REPLY_MAX } from '../tickets/requester-reply.js';
import { fileVerdict, relayedDeletion, relayedEdit, threadReply, type SharedFile } from '../chats/relay.js';
import type { Chat, SlackRef } from '../chats/types.js';
import { slackNames } from './chat-desk.js';
import { agentLine, chatStarted, relayToAgent, relayToRequester, requesterLine, showActiveAgain } from './chats.js';
import type { SlackDeps } from './context.js';
import { mirrorToFollowers } from './follow-mirror.js';
import { safely } from './notify.js';
import { decodeEntities, readSlackText } from './decode-slack-text.js';

/** The fields of a message event this module reads; Slack sends many more. */
interface MessageEvent {
  subtype?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  channel_type?: string;
  files?: { id: string }[];
  message?: { user?: string; bot_id?: string; text?: string; ts: string; thread_ts?: string };
  previous_message?: { text?: string };
  deleted_ts?: string;
}

interface FileSharedEvent {
  file_id: string;
  user_id: string;
  channel_id: string;
}

/** Message subtypes that carry a person's new words (/me too); every other subtype (joins, topic changes, bots) is ignored. */
const NEW_MESSAGE_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast', 'me_message']);

export function registerChatEvents(app: App, deps: SlackDeps): void {
  // Bolt's ignoreSelf already drops the bot's own messages (the relayed copies among them).
  app.event('message', async ({ event, client, context }) => {
    const message = event as unknown as MessageEvent;
    if (message.subtype === 'message_changed') return edited(client, deps, message, context.botUserId);
    if (message.subtype === 'message_deleted') return deleted(client, deps, message);
    if (!NEW_MESSAGE_SUBTYPES.has(message.subtype) || message.bot_id || !message.user) return;
    // Slack's encoding is read once, here: everything after works with the words as written.
    const text = await readSlackText(client, deps.desk.directory, message.text);
    await newMessage(client, deps, { ...message, text } as MessageEvent & { user: string });
  });

  app.event('file_shared', async ({ event, client, context }) => {
    const shared = event as unknown as FileSharedEvent;
    if (shared.user_id === context.botUserId) return;
    // Files in a thread arrive with their message (file_share), which names the thread; a DM has one chat.
    if (!shared.channel_id.startsWith('D')) return;
    // A file as the first thing a requester sends starts the chat like words would.
    const chat =
      (await deps.desk.store.chats.openOf(shared.user_id)) ??
      (await fromRequester(client, deps, { requester: shared.user_id, requesterDm: shared.channel_id, source: { channel: shared.channel_id, ts: `file.${shared.file_id}` }, text: '(shared a file)', via: 'dm' }));
    if (chat) await relayFile(client, deps, chat, shared.file_id, 'requester', shared.user_id);
  });
}

async function newMessage(client: WebClient, deps: SlackDeps, message: MessageEvent & { user: string }): Promise<void> {
  const source: SlackRef = { channel: message.channel, ts: message.ts };
  const text = message.text ?? '';
  if (message.channel_type === 'im' || message.channel.startsWith('D')) {
    // File-only messages: the file_shared event brings the file; here only words matter.
    if (!text.trim()) return;
    if (message.thread_ts && (await fromFollower(client, deps, message as MessageEvent & { user: string; thread_ts: string }))) return;
    await fromRequester(client, deps, { requester: message.user, requesterDm: message.channel, source, text, via: 'dm' });
    return;
  }
  if (message.thread_ts) {
    const chat = await deps.desk.store.chats.byThread({ channel: message.channel, ts: message.thread_ts });
    if (chat) return fromThread(client, deps, chat, message);
  }
  const group = deps.desk.directory.groupOfIntakeChannel(message.channel);
  // Agents talking in an intake channel are helping there, not asking.
  if (!group || deps.desk.directory.agent(message.user) || !text.trim()) return;
  let requesterDm = message.user;
  await safely(deps.log, 'open requester DM', async () => {
    const opened = await client.conversations.open({ users: message.user });
    if (opened.channel?.id) requesterDm = opened.channel.id;
  });
  await fromRequester(client, deps, { requester: message.user, requesterDm, source, text, via: 'intake-channel' });
}

/** A follower wrote in their mirror thread: an internal note on the chat, shown in its thread, never relayed. */
async function fromFollower(client: WebClient, deps: SlackDeps, message: MessageEvent & { user: string; thread_ts: string }): Promise<boolean> {
  const text = (message.text ?? '').trim().slice(0, REPLY_MAX);
  const verdict = await followerWrote(deps.desk, { channel: message.channel, ts: message.thread_ts }, { author: message.user, text, source: { channel: message.channel, ts: message.ts } });
  if (!verdict) return false;
  if (verdict.duplicate) return true;
  await safely(deps.log, 'follower note in thread', () =>
    client.chat.postMessage({ channel: verdict.chat.thread.channel, thread_ts: verdict.chat.thread.ts, text: `:lock: *Internal note* by <@${message.user}> (following; not sent to the requester): ${text}` }),
  );
  await safely(deps.log, 'follower note receipt', () =>
    client.chat.postMessage({ channel: message.channel, thread_ts: message.thread_ts, text: `Kept as an internal note on chat #${verdict.chat.ticketNumber}; it was not sent to the requester.` }),
  );
  return true;
}

async function fromRequester(client: WebClient, deps: SlackDeps, message: RequesterChatMessage): Promise<Chat | null> {
  const result = await requesterWrote(deps.desk, message, chatGroupFor(deps.desk, message.source.channel));
  if (!result.ok) {
    await safely(deps.log, 'requester refusal', () => client.chat.postMessage({ channel: message.requesterDm, text: result.reason }));
    return null;
  }
  if (result.started) {
    await chatStarted(client, deps, result);
    return deps.desk.store.chats.get(result.chat.ticketNumber);
  }
  if (!result.duplicate) {
    await relayToAgent(client, deps, result.chat, message.source, message.text);
    await showActiveAgain(client, deps, result.chat);
  }
  return result.chat;
}

async function fromThread(client: WebClient, deps: SlackDeps, chat: Chat, message: MessageEvent & { user: string }): Promise<void> {
  const source: SlackRef = { channel: message.channel, ts: message.ts };
  const text = message.text ?? '';
  if (text.trim()) {
    const verdict = await threadReply(deps.desk, chat, { author: message.user, text, source }, slackNames(client, deps, chat, message.user));
    if (!verdict.ok) {
      await tellInThread(client, deps, chat, message.user, verdict.reason);
      return;
    }
    if (verdict.kind === 'relay' && !verdict.duplicate) {
      await relayToRequester(client, deps, verdict.chat, source, message.user, verdict.text);
      await showActiveAgain(client, deps, verdict.chat);
    }
    if (verdict.kind === 'note' && !verdict.duplicate && verdict.reason !== 'prefix') {
      await tellInThread(client, deps, chat, message.user, notRelayedBecause(chat, verdict.reason));
    }
    if (verdict.kind === 'note') return;
  }
  if (chat.state === 'live' && chat.agent === message.user) {
    for (const file of message.files ?? []) await relayFile(client, deps, chat, file.id, 'agent', message.user);
  }
}

function notRelayedBecause(chat: Chat, reason: string): string {
  if (reason === 'not-the-agent') return `Only <@${chat.agent}> speaks to the requester in this chat; your message stays in the thread as an internal note.`;
  if (chat.state === 'ended') return 'This chat has ended, so your message was not sent; it stays in the thread as an internal note. Reply on the ticket instead.';
  return 'Nobody has accepted this chat yet, so your message was not sent; it stays in the thread as an internal note. Accept the chat first.';
}

async function tellInThread(client: WebClient, deps: SlackDeps, chat: Chat, user: string, text: string): Promise<void> {
  await safely(deps.log, 'ephemeral in chat thread', () => client.chat.postEphemeral({ channel: chat.thread.channel, thread_ts: chat.thread.ts, user, text }));
}

/**
 * A file crosses only when its type and size are allowed; it is relayed by its Slack link (the
 * file stays where it was shared). Anything else: its sender is told, and nothing crosses.
 */
async function relayFile(client: WebClient, deps: SlackDeps, chat: Chat, fileId: string, side: 'requester' | 'agent', sender: string): Promise<void> {
  let file: (SharedFile & { permalink?: string; url_private?: string }) | null = null;
  await safely(deps.log, 'files.info', async () => {
    const info = await client.files.info({ file: fileId });
    if (info.file) file = info.file as unknown as SharedFile & { permalink?: string; url_private?: string };
  });
  if (!file) return;
  const described: SharedFile & { permalink?: string; url_private?: string } = file;
  // A file's name is Slack text like any other: `&`, `<`, `>` arrive as entities.
  const found = { ...described, name: decodeEntities(described.name) };
  const verdict = fileVerdict(found);
  if (!verdict.ok) {
    if (side === 'requester') await safely(deps.log, 'file refusal', () => client.chat.postMessage({ channel: chat.requesterDm, text: verdict.reason }));
    else await tellInThread(client, deps, chat, sender, verdict.reason);
    return;
  }
  const link = `<${found.permalink ?? found.url_private}|${found.name}>`;
  if (side === 'requester') {
    await safely(deps.log, 'file to agent', () => client.chat.postMessage({ channel: chat.thread.channel, thread_ts: chat.thread.ts, text: requesterLine(`shared a file: ${link}`) }));
  } else {
    await safely(deps.log, 'file to requester', () => client.chat.postMessage({ channel: chat.requesterDm, text: agentLine(deps, sender, `shared a file: ${link}`) }));
  }
  await mirrorToFollowers(client, deps, chat, side === 'requester' ? requesterLine(`shared a file: ${link}`) : agentLine(deps, sender, `shared a file: ${link}`));
  await deps.desk.store.chats.touch(chat.ticketNumber, deps.desk.clock());
}

async function edited(client: WebClient, deps: SlackDeps, event: MessageEvent, botUserId: string | undefined): Promise<void> {
  const message = event.message;
  if (!message?.user || message.user === botUserId || message.bot_id) return;
  // Slack also sends message_changed for link unfurls: only a change of the words is an edit.
  if (message.text === event.previous_message?.text) return;
  const text = await readSlackText(client, deps.desk.directory, message.text);
  const edit = await relayedEdit(deps.desk, { channel: event.channel, ts: message.ts }, text, (chat, agentId) => slackNames(client, deps, chat, agentId));
  if (!edit) return;
  if (!edit.ok) {
    const chat = await deps.desk.store.chats.byThread({ channel: event.channel, ts: message.thread_ts ?? '' });
    if (chat) await tellInThread(client, deps, chat, message.user, `Your edit was not sent: ${edit.reason}`);
    return;
  }
  const { relay } = edit;
  if (edit.withdraw) {
    await safely(deps.log, 'withdrawn relay', () => client.chat.delete({ channel: relay.copy.channel, ts: relay.copy.ts }));
    return;
  }
  const line = relay.side === 'requester' ? requesterLine(text) : agentLine(deps, message.user, edit.text);
  await safely(deps.log, 'relayed edit', () => client.chat.update({ channel: relay.copy.channel, ts: relay.copy.ts, text: `${line} _(edited)_` }));
}

async function deleted(client: WebClient, deps: SlackDeps, event: MessageEvent): Promise<void> {
  if (!event.deleted_ts) return;
  const relay = await relayedDeletion(deps.desk, { channel: event.channel, ts: event.deleted_ts });
  if (!relay) return;
  await safely(deps.log, 'relayed deletion', () => client.chat.delete({ channel: relay.copy.channel, ts: relay.copy.ts }));
}
