import type { App, BlockAction, ButtonAction, MessageShortcut, RespondFn } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { KnownBlock } from '@slack/types';
import { chatNoteModal, incomingChat, transferModal, transferOffer } from '../../blocks/chat.js';
import { queueChoice } from '../../blocks/chat-desk.js';
import { actionIds, callbackIds, chatNoteFields, transferFields } from '../../blocks/ids.js';
import { clip, escapeMrkdwn, mrkdwn } from '../../blocks/text.js';
import { availabilities, onlineAgentsOf, } from '../chats/availability.js';
import { ACTIVE_WINDOW_MS, acceptChat, chatActivity, endChat, placeChat, type RequesterChatResult } from '../chats/chat.js';
import { note, rememberRelay } from '../chats/relay.js';
import {
  acceptTransfer,
  cancelTransfer,
  declineTransfer,
  expireTransfers,
  queuedTransfersFor,
  requestTransfer,
  targetText,
  type TransferRefusal,
  type TransferAcceptedResult,
  type TransferRequestResult,
} from '../chats/transfers.js';
import type { Chat, SlackRef, Transfer, TransferTarget } from '../chats/types.js';
import type { Refusal } from '../tickets/desk.js';
import { personNamed, type MentionedPerson } from '../workspace/people.js';
import { parseTicketNumber } from '../tickets/permissions.js';
import { addSubcommands } from './commands.js';
import { mirrorToFollowers } from './follow-mirror.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { safely } from './notify.js';
import { field, stateValues } from './views.js';

export const chatShortcutIds = { internalNote: 'chat_internal_note' } as const;

function agentName(deps: SlackDeps, userId: string): string {
  return deps.desk.directory.agent(userId)?.name ?? 'Support';
}

export async function dm(client: WebClient, deps: SlackDeps, userId: string, text: string, blocks?: KnownBlock[]): Promise<SlackRef | null> {
  let ref: SlackRef | null = null;
  await safely(deps.log, 'direct message', async () => {
    const posted = await client.chat.postMessage({ channel: userId, text, ...(blocks ? { blocks } : {}) });
    if (posted.channel && posted.ts) ref = { channel: posted.channel, ts: posted.ts };
  });
  return ref;
}

export async function inThread(client: WebClient, deps: SlackDeps, thread: SlackRef, text: string): Promise<SlackRef | null> {
  let ref: SlackRef | null = null;
  await safely(deps.log, 'chat thread message', async () => {
    const posted = await client.chat.postMessage({ channel: thread.channel, thread_ts: thread.ts, text });
    if (posted.channel && posted.ts) ref = { channel: posted.channel, ts: posted.ts };
  });
  return ref;
}

// ─── The chat's parent message ──────────────────────────────────────────────────────────────

/** Re-renders the chat's parent message from the database: who has it, and whether it is active now. */
export async function showChat(client: WebClient, deps: SlackDeps, chat: Chat): Promise<void> {
  if (!chat.thread.ts) return;
  const ticket = await deps.desk.store.tickets.get(chat.ticketNumber);
  if (!ticket) return;
  const online = chat.state === 'waiting' ? await onlineAgentsOf(deps.desk, chat.groupId) : [];
  const activity = chatActivity(chat, deps.desk.clock());
  await safely(deps.log, 'chat message update', () =>
    client.chat.update({
      channel: chat.thread.channel,
      ts: chat.thread.ts,
      text: `Chat #${chat.ticketNumber} with <@${chat.requester}>${chat.agent ? ` · <@${chat.agent}>` : ''}`,
      blocks: incomingChat({ chat, ticket, groupName: deps.desk.directory.groupName(chat.groupId), firstMessage: ticket.description, online, activity }),
    }),
  );
  if (chat.shownActive !== (activity === 'active')) await deps.desk.store.chats.markShown(chat.ticketNumber, activity === 'active');
}

/** After a message: the parent is re-rendered only when it showed the chat inactive, not on every message. */
export async function showActiveAgain(client: WebClient, deps: SlackDeps, chat: Chat): Promise<void> {
  if (chat.state === 'live' && !chat.shownActive) await showChat(client, deps, (await deps.desk.store.chats.get(chat.ticketNumber)) ?? chat);
}

/**
 * For the jobs issue: re-renders live chats shown active that went quiet, so "active" turns "inactive"
 * without a message. Each is re-rendered once (it is then marked shown inactive); bounded per run.
 */
export async function refreshChatActivity(client: WebClient, deps: SlackDeps, limit = 100): Promise<number> {
  const quietSince = new Date(deps.desk.clock().getTime() - ACTIVE_WINDOW_MS);
  const chats = await deps.desk.store.chats.shownActiveButQuietSince(quietSince, limit);
  for (const chat of chats) await showChat(client, deps, chat);
  return chats.length;
}

/** A new chat: Incoming chat in the group's queue channel, pinging its online agents; the requester gets a receipt. */
export async function chatStarted(client: WebClient, deps: SlackDeps, result: Extract<RequesterChatResult, { started: true }>): Promise<void> {
  const { chat, ticket } = result;
  const group = deps.desk.directory.group(chat.groupId)!;
  const online = await onlineAgentsOf(deps.desk, chat.groupId);
  await safely(deps.log, 'incoming chat', async () => {
    const posted = await client.chat.postMessage({
      channel: group.queueChannel ?? group.alertChannel,
      text: `Incoming chat #${ticket.number} from <@${chat.requester}>${online.length > 0 ? ` ${online.map((agent) => `<@${agent}>`).join(' ')}` : ''}`,
      blocks: incomingChat({ chat, ticket, groupName: group.name, firstMessage: ticket.description, online, activity: 'waiting' }),
    });
    if (posted.channel && posted.ts) await placeChat(deps.desk, ticket.number, { channel: posted.channel, ts: posted.ts });
  });
  await dm(client, deps, chat.requester, `Thanks — your chat #${ticket.number} is open. An agent of ${group.name} will answer you here.`);
}

/** The requester's message, into the agent's thread; the copy is remembered so edits and deletions follow. */
export async function relayToAgent(client: WebClient, deps: SlackDeps, chat: Chat, original: SlackRef, text: string): Promise<void> {
  if (!chat.thread.ts) return;
  const copy = await inThread(client, deps, chat.thread, requesterLine(text));
  if (copy) await rememberRelay(deps.desk, chat, original, copy, 'requester');
  await mirrorToFollowers(client, deps, chat, requesterLine(text));
}

export function requesterLine(text: string): string {
  return `:bust_in_silhouette: *Requester:* ${text}`;
}

export function agentLine(deps: SlackDeps, agentId: string, text: string): string {
  return `*${escapeMrkdwn(agentName(deps, agentId))}:* ${text}`;
}

/**
 * THE Slack path of an agent's words to the requester: every relayed agent message goes through here
 * (after `agentSaid` decided the text), so the requester's copy is remembered for edits and deletions.
 */
export async function relayToRequester(client: WebClient, deps: SlackDeps, chat: Chat, original: SlackRef, author: string, text: string): Promise<void> {
  const copy = await dm(client, deps, chat.requesterDm, agentLine(deps, author, text));
  if (copy) await rememberRelay(deps.desk, chat, original, copy, 'agent');
  await mirrorToFollowers(client, deps, chat, agentLine(deps, author, text));
}

// ─── Transfers: telling people ──────────────────────────────────────────────────────────────

async function lastLines(deps: SlackDeps, ticketNumber: number): Promise<string[]> {
  const comments = await deps.desk.store.tickets.comments(ticketNumber, { last: 3, kinds: ['public'] });
  return comments.map((comment) => `${comment.author.kind === 'agent' ? agentName(deps, comment.author.id) : 'Requester'}: ${comment.text}`);
}

export async function offerBlocks(deps: SlackDeps, transfer: Transfer, outcome?: string): Promise<KnownBlock[]> {
  const ticket = (await deps.desk.store.tickets.get(transfer.ticketNumber))!;
  return transferOffer({ transfer, ticket, targetText: targetText(deps.desk, transfer.to), lastMessages: await lastLines(deps, transfer.ticketNumber), ...(outcome ? { outcome } : {}) });
}

export async function sendOffers(client: WebClient, deps: SlackDeps, result: TransferRequestResult): Promise<void> {
  const { transfer } = result;
  const blocks = await offerBlocks(deps, transfer);
  const text = `<@${transfer.from}> asks ${targetText(deps.desk, transfer.to)} to take chat #${transfer.ticketNumber}`;
  if (transfer.to.kind === 'group') {
    const group = deps.desk.directory.group(Number(transfer.to.id))!;
    await safely(deps.log, 'group transfer offer', async () => {
      const posted = await client.chat.postMessage({ channel: group.queueChannel ?? group.alertChannel, text: `${text} ${result.asked.map((agent) => `<@${agent}>`).join(' ')}`, blocks });
      if (posted.channel && posted.ts) await deps.desk.store.chats.addOffer(transfer.id, { channel: posted.channel, ts: posted.ts });
    });
  } else {
    for (const person of result.asked) {
      const offer = await dm(client, deps, person, text, blocks);
      if (offer) await deps.desk.store.chats.addOffer(transfer.id, offer);
    }
  }
  if (result.expired) await transferExpired(client, deps, result.expired);
}

/** Every offer of a request stops offering buttons and says what happened. */
export async function closeOffers(client: WebClient, deps: SlackDeps, transfer: Transfer, outcome: string): Promise<void> {
  const current = (await deps.desk.store.chats.transfer(transfer.id)) ?? transfer;
  const blocks = await offerBlocks(deps, current, outcome);
  for (const offer of current.offers) {
    await safely(deps.log, 'transfer offer update', () => client.chat.update({ channel: offer.channel, ts: offer.ts, text: outcome, blocks }));
  }
}

export async function transferExpired(client: WebClient, deps: SlackDeps, transfer: Transfer): Promise<void> {
  const outcome = `Expired with no answer; the chat stayed with <@${transfer.from}>.`;
  await closeOffers(client, deps, transfer, outcome);
  await dm(client, deps, transfer.from, `Your transfer request for chat #${transfer.ticketNumber} to ${targetText(deps.desk, transfer.to)} expired with no answer — the chat stays with you.`);
}

/** For the jobs issue: expires due requests and tells each requesting agent. */
export async function expireTransfersAndTell(client: WebClient, deps: SlackDeps): Promise<number> {
  const expired = await expireTransfers(deps.desk, deps.desk.clock());
  for (const transfer of expired) await transferExpired(client, deps, transfer);
  return expired.length;
}

export async function transferAccepted(client: WebClient, deps: SlackDeps, result: TransferAcceptedResult): Promise<void> {
  const { transfer, chat } = result;
  const to = transfer.answeredBy!;
  await closeOffers(client, deps, transfer, `Accepted by <@${to}>.`);
  const moved = result.previousThread.ts !== chat.thread.ts || result.previousThread.channel !== chat.thread.channel;
  if (moved) {
    await safely(deps.log, 'old chat message update', () =>
      client.chat.update({
        channel: result.previousThread.channel,
        ts: result.previousThread.ts,
        text: `Chat #${chat.ticketNumber} moved to ${deps.desk.directory.groupName(chat.groupId)}`,
        blocks: [{ type: 'section', text: mrkdwn(`*Chat #${chat.ticketNumber}* moved to ${escapeMrkdwn(deps.desk.directory.groupName(chat.groupId))}, now with <@${to}>.`) }],
      }),
    );
    await inThread(client, deps, result.previousThread, `<@${to}> accepted the transfer: the chat continues in ${deps.desk.directory.groupName(chat.groupId)}'s queue channel.`);
  }
  await showChat(client, deps, chat);
  await inThread(client, deps, chat.thread, `<@${to}> accepted the transfer from <@${transfer.from}>; the chat is theirs now.`);
  await dm(client, deps, transfer.from, `<@${to}> accepted chat #${chat.ticketNumber}; it is theirs now.`);
  let link = '';
  await safely(deps.log, 'permalink', async () => {
    const answer = await client.chat.getPermalink({ channel: chat.thread.channel, message_ts: chat.thread.ts });
    link = answer.permalink ?? '';
  });
  await dm(client, deps, to, `Chat #${chat.ticketNumber} is yours now${link ? `: ${link}` : ''}. Reply in its thread to talk to the requester.`);
  await dm(client, deps, chat.requesterDm, `${agentName(deps, to)} has taken over your chat #${chat.ticketNumber}.`);
  await mirrorToFollowers(client, deps, chat, `:arrows_counterclockwise: <@${to}> accepted the transfer from <@${transfer.from}>; the chat is theirs now.`);
}

// ─── Listeners ──────────────────────────────────────────────────────────────────────────────

/** After `transfer N`: `lead`, `group NAME`, or a person (a mention, a user id, or a name from the workspace file). */
function parseTarget(deps: SlackDeps, words: string[], chatGroup: number | null, mentions: readonly MentionedPerson[]): TransferTarget | Refusal {
  const [first = '', ...rest] = words;
  if (first.toLowerCase() === 'lead') return chatGroup === null ? { ok: false, reason: 'There is no such chat.' } : { kind: 'lead', id: String(chatGroup) };
  if (first.toLowerCase() === 'group') {
    const group = deps.desk.directory.findGroup(rest.join(' '));
    if (!group) return { ok: false, reason: `There is no group “${clip(rest.join(' '), 40)}”. Groups: ${deps.desk.directory.groups().map((g) => `${g.name} (${g.id})`).join(', ')}.` };
    return { kind: 'group', id: String(group.id) };
  }
  if (!first) return { ok: false, reason: 'Transfer to whom? `/ticket transfer N @agent`, `/ticket transfer N lead` or `/ticket transfer N group NAME`.' };
  const person = personNamed(deps.desk.directory, words.join(' '), mentions);
  return person.ok ? { kind: 'agent', id: person.userId } : person;
}

function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}

addSubcommands({
  transfer: {
    usage: 'transfer N @agent | N lead | N group NAME | cancel N',
    what: 'offer a chat to someone; it moves only when they accept',
    agentsOnly: true,
    async run({ deps, args, mentions, userId, respond, client }) {
      const words = args.split(/\s+/).filter(Boolean);
      if (words[0]?.toLowerCase() === 'cancel') {
        const parsed = parseTicketNumber(words[1]);
        if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
        const result = await cancelTransfer(deps.desk, { ticketNumber: parsed.number, by: userId });
        if (!result.ok) {
          await tellEphemeral(respond, result.reason);
          if (result.expired) await transferExpired(client, deps, result.expired);
          return;
        }
        await closeOffers(client, deps, result.transfer, `Cancelled by <@${userId}>.`);
        return tellEphemeral(respond, `Cancelled the transfer request for chat #${parsed.number}; the chat stays with you.`);
      }
      const parsed = parseTicketNumber(words[0]);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const chat = await deps.desk.store.chats.get(parsed.number);
      const target = parseTarget(deps, words.slice(1), chat?.groupId ?? null, mentions);
      if (isRefusal(target)) return tellEphemeral(respond, target.reason);
      await askForTransfer(client, deps, userId, parsed.number, target, (text, blocks) => respond({ response_type: 'ephemeral', text, ...(blocks ? { blocks } : {}) }).then(() => undefined));
    },
  },
});

async function askForTransfer(client: WebClient, deps: SlackDeps, from: string, ticketNumber: number, to: TransferTarget, tell: (text: string, blocks?: KnownBlock[]) => Promise<void>): Promise<void> {
  const result = await requestTransfer(deps.desk, { ticketNumber, from, to });
  if (!result.ok) return tell(result.reason, queueChoiceFor(deps, ticketNumber, result));
  await sendOffers(client, deps, result);
  await tell(`Asked ${targetText(deps.desk, to)} to take chat #${ticketNumber}. It stays with you until they accept (the request expires in ${deps.desk.settings.transferExpirySeconds} s).`);
}

/** A group transfer that found nobody online offers to queue it; the refusal's sentence stays word for word. */
function queueChoiceFor(deps: SlackDeps, ticketNumber: number, refusal: TransferRefusal): KnownBlock[] | undefined {
  if (refusal.queueable === undefined) return undefined;
  return queueChoice({ reason: refusal.reason, ticketNumber, groupId: refusal.queueable, groupName: deps.desk.directory.groupName(refusal.queueable) });
}

/** An agent came online: each queued transfer of their groups is offered to them in a DM (the first to accept gets it). */
export async function offerQueuedTransfers(client: WebClient, deps: SlackDeps, userId: string): Promise<number> {
  const queued = await queuedTransfersFor(deps.desk, userId);
  for (const transfer of queued) {
    const offer = await dm(client, deps, userId, `Chat #${transfer.ticketNumber} is waiting for an agent of ${targetText(deps.desk, transfer.to)}: accept it?`, await offerBlocks(deps, transfer));
    if (offer) await deps.desk.store.chats.addOffer(transfer.id, offer);
  }
  return queued.length;
}

/**
 * How to answer the person who clicked: ephemerally where the click came with a response_url (a message),
 * in a DM where it did not (a button on the App Home or in a modal, such as the waiting list's Accept).
 */
export function answerer(client: WebClient, deps: SlackDeps, body: { user: { id: string }; response_url?: string }, respond: RespondFn | undefined): (text: string) => Promise<void> {
  return async (text) => {
    if (body.response_url && respond) await tellEphemeral(respond, text);
    else await dm(client, deps, body.user.id, text);
  };
}

function ticketOf(value: string | undefined): number | null {
  const parsed = parseTicketNumber(value);
  return parsed.ok ? parsed.number : null;
}

export function registerChats(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(actionIds.acceptChat, async ({ ack, body, action, respond, client }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    const result = await acceptChat(deps.desk, { ticketNumber: number, agent: body.user.id });
    const tell = answerer(client, deps, body, respond);
    if (!result.ok) return tell(result.reason);
    if (result.alreadyYours) return tell(`Chat #${number} is already yours.`);
    await showChat(client, deps, result.chat);
    await inThread(client, deps, result.chat.thread, `<@${body.user.id}> accepted the chat. Replies in this thread reach the requester; start with \`${deps.desk.directory.workspace.chat.notePrefix}\` for an internal note.`);
    await dm(client, deps, result.chat.requesterDm, `${agentName(deps, body.user.id)} from ${deps.desk.directory.groupName(result.chat.groupId)} has joined your chat #${number}.`);
  });

  app.action<BlockAction<ButtonAction>>(actionIds.endChat, async ({ ack, body, action, respond, client }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    const result = await endChat(deps.desk, { ticketNumber: number, by: body.user.id });
    if (!result.ok) return tellEphemeral(respond, result.reason);
    await showChat(client, deps, result.chat);
    await inThread(client, deps, result.chat.thread, `<@${body.user.id}> ended the chat. Ticket #${number} stays open to be solved.`);
    if (result.cancelledTransfer) await closeOffers(client, deps, result.cancelledTransfer, 'Cancelled: the chat ended.');
    await dm(client, deps, result.chat.requesterDm, `The chat #${number} has ended. Your request stays open with the team; write here any time to start a new chat.`);
    await mirrorToFollowers(client, deps, result.chat, `:checkered_flag: <@${body.user.id}> ended the chat.`);
  });

  app.action<BlockAction<ButtonAction>>(actionIds.transferChat, async ({ ack, body, action, respond, client }) => {
    await ack();
    const number = ticketOf(action.value);
    const chat = number === null ? null : await deps.desk.store.chats.get(number);
    if (!chat) return tellEphemeral(respond, 'There is no such chat.');
    if (chat.agent !== body.user.id) return tellEphemeral(respond, `Chat #${chat.ticketNumber} is not yours to transfer.`);
    const agents = deps.desk.directory.workspace.agents.filter((agent) => agent.user !== body.user.id);
    const states = await availabilities(deps.desk, agents.map((agent) => agent.user));
    await client.views.open({
      trigger_id: body.trigger_id,
      view: transferModal({
        ticketNumber: chat.ticketNumber,
        agents: agents.map((agent) => ({ user: agent.user, name: agent.name, availability: states.get(agent.user)! })),
        groups: deps.desk.directory.groups(),
        leadGroup: { id: chat.groupId, name: deps.desk.directory.groupName(chat.groupId) },
      }),
    });
  });

  app.view(callbackIds.transferChat, async ({ ack, body, view, client }) => {
    const number = ticketOf(view.private_metadata);
    const choice = field(stateValues(view), transferFields.target)?.selected_option?.value ?? '';
    const [kind, id] = choice.split(':');
    if (number === null || !id || !['agent', 'lead', 'group'].includes(kind ?? '')) {
      await ack({ response_action: 'errors', errors: { [transferFields.target]: 'Pick who should take the chat.' } });
      return;
    }
    // Decided before the ack, so a refusal (offline, nobody available) shows on the modal's own field.
    const result = await requestTransfer(deps.desk, { ticketNumber: number, from: body.user.id, to: { kind, id } as TransferTarget });
    if (!result.ok) {
      const choice = queueChoiceFor(deps, number, result);
      if (choice) {
        // The modal cannot carry the choice's buttons: it closes, and the choice comes as a DM.
        await ack();
        await dm(client, deps, body.user.id, result.reason, choice);
        return;
      }
      await ack({ response_action: 'errors', errors: { [transferFields.target]: clip(result.reason, 150) } });
      return;
    }
    await ack();
    await sendOffers(client, deps, result);
    await dm(client, deps, body.user.id, `Asked ${targetText(deps.desk, result.transfer.to)} to take chat #${number}. It stays with you until they accept.`);
  });

  app.action<BlockAction<ButtonAction>>(actionIds.acceptTransfer, async ({ ack, body, action, respond, client }) => {
    await ack();
    const result = await acceptTransfer(deps.desk, { transferId: action.value ?? '', by: body.user.id });
    if (!result.ok) {
      await answerer(client, deps, body, respond)(result.reason);
      if (result.expired) await transferExpired(client, deps, result.expired);
      return;
    }
    await transferAccepted(client, deps, result);
  });

  app.action<BlockAction<ButtonAction>>(actionIds.declineTransfer, async ({ ack, body, action, respond, client }) => {
    await ack();
    const result = await declineTransfer(deps.desk, { transferId: action.value ?? '', by: body.user.id });
    if (!result.ok) {
      await tellEphemeral(respond, result.reason);
      if (result.expired) await transferExpired(client, deps, result.expired);
      return;
    }
    await closeOffers(client, deps, result.transfer, `Declined by <@${body.user.id}>; the chat stayed with <@${result.transfer.from}>.`);
    await dm(client, deps, result.transfer.from, `<@${body.user.id}> declined chat #${result.transfer.ticketNumber} — it stays with you.`);
  });

  // "Internal note" on any message of a chat's thread: a note for the thread only.
  app.shortcut<MessageShortcut>(chatShortcutIds.internalNote, async ({ ack, shortcut, client, respond }) => {
    await ack();
    const message = shortcut.message as { ts: string; thread_ts?: string };
    const chat = await deps.desk.store.chats.byThread({ channel: shortcut.channel.id, ts: message.thread_ts ?? message.ts });
    if (!chat) return tellEphemeral(respond, 'That message is not part of a chat. Use “Internal note” on a message in a chat’s thread.');
    await client.views.open({ trigger_id: shortcut.trigger_id, view: chatNoteModal(chat.ticketNumber) });
  });

  app.view(callbackIds.chatNote, async ({ ack, body, view, client }) => {
    const number = ticketOf(view.private_metadata);
    const text = (field(stateValues(view), chatNoteFields.text)?.value ?? '').trim();
    if (!text) {
      await ack({ response_action: 'errors', errors: { [chatNoteFields.text]: 'Write the note.' } });
      return;
    }
    if (!deps.desk.directory.agent(body.user.id)) {
      await ack({ response_action: 'errors', errors: { [chatNoteFields.text]: 'Only support agents can add chat notes.' } });
      return;
    }
    await ack();
    const chat = number === null ? null : await deps.desk.store.chats.get(number);
    if (!chat) return;
    await note(deps.desk, chat, body.user.id, text, null, 'shortcut');
    await inThread(client, deps, chat.thread, `:lock: *Internal note* by <@${body.user.id}> (not sent to the requester): ${text}`);
  });
}
