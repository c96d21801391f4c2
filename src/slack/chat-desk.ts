import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { chatEmailModal, chatEmailSending, chatEmailSent as chatEmailSentView, followHeader, originalMessageModal, queueChoice, requesterProfileModal, shortcutList, waitingChatsBlocks } from '../../blocks/chat-desk.js';
import { actionIds, callbackIds, chatEmailFields } from '../../blocks/ids.js';
import { clip, plain } from '../../blocks/text.js';
import { emailDuringChat, type ChatEmailResult } from '../chats/email.js';
import { followChat, unfollowChat } from '../chats/followers.js';
import { originalMessage, requesterHistory } from '../chats/profile.js';
import { nobodyAvailable, requestTransfer } from '../chats/transfers.js';
import { waitingChats } from '../chats/waiting.js';
import { addShortcut, listShortcuts, removeShortcut, type ShortcutNames } from '../chats/shortcuts.js';
import type { Chat } from '../chats/types.js';
import { NOT_AN_AGENT, parseTicketNumber } from '../tickets/permissions.js';
import { agentLine, answerer, dm, inThread, requesterLine, sendOffers } from './chats.js';
import { addSubcommands } from './commands.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { mirrorToFollowers } from './follow-mirror.js';
import { safely } from './notify.js';
import { deliverNow } from './notify.js';
import { field, stateValues } from './views.js';

/** What Slack knows of a person (users.info); null when Slack would not say. */
export interface SlackProfile {
  name: string;
  title: string | null;
  timeZone: string | null;
  email: string | null;
}

export async function slackProfile(client: WebClient, deps: SlackDeps, userId: string): Promise<SlackProfile | null> {
  let profile: SlackProfile | null = null;
  await safely(deps.log, 'users.info', async () => {
    const answer = await client.users.info({ user: userId });
    const user = answer.user;
    if (!user) return;
    profile = {
      name: user.real_name || user.profile?.real_name || user.profile?.display_name || user.name || userId,
      title: user.profile?.title || null,
      timeZone: user.tz || null,
      email: user.profile?.email || null,
    };
  });
  return profile;
}

/** `{requester}` from the requester's Slack profile, `{agent}` from the workspace file (Slack's name as a fallback). */
export function slackNames(client: WebClient, deps: SlackDeps, chat: Chat, agentId: string): ShortcutNames {
  return {
    requester: async () => (await slackProfile(client, deps, chat.requester))?.name ?? 'there',
    agent: async () => deps.desk.directory.agent(agentId)?.name ?? (await slackProfile(client, deps, agentId))?.name ?? 'Support',
  };
}

addSubcommands({
  shortcut: {
    usage: 'shortcut add NAME TEXT | list | remove NAME',
    what: 'your chat shortcuts: type #NAME in a chat thread to send its text',
    agentsOnly: true,
    async run({ deps, args, userId, respond }) {
      const [verb = 'list', name = ''] = args.split(/\s+/);
      const text = args.trim().slice(verb.length).trim().slice(name.length).trim();
      if (verb.toLowerCase() === 'add') {
        const result = await addShortcut(deps.desk, userId, { name, text });
        if (!result.ok) return tellEphemeral(respond, result.reason);
        const sigil = deps.desk.directory.workspace.chat.shortcutSigil;
        return tellEphemeral(respond, `${result.replaced ? 'Replaced' : 'Added'} your shortcut \`${sigil}${result.name}\`. Write it at the start of a chat reply to send its text.`);
      }
      if (verb.toLowerCase() === 'remove') {
        const result = await removeShortcut(deps.desk, userId, name);
        if (!result.ok) return tellEphemeral(respond, result.reason);
        return tellEphemeral(respond, `Removed your shortcut \`${deps.desk.directory.workspace.chat.shortcutSigil}${result.name}\`.`);
      }
      if (verb.toLowerCase() === 'list') {
        const list = await listShortcuts(deps.desk, userId);
        if (!list.ok) return tellEphemeral(respond, list.reason);
        await respond({ response_type: 'ephemeral', text: `${list.personal.length} personal, ${list.shared.length} shared shortcuts`, blocks: shortcutList(list) });
        return;
      }
      await tellEphemeral(respond, `I don't know \`/ticket shortcut ${clip(verb, 30)}\`. Use \`add NAME TEXT\`, \`list\` or \`remove NAME\`.`);
    },
  },
});

// ─── Following a chat ─────────────────────────────────────────────────────────────────────

async function follow(client: WebClient, deps: SlackDeps, ticketNumber: number, user: string, tell: (text: string) => Promise<void>): Promise<void> {
  const result = await followChat(deps.desk, { ticketNumber, user });
  if (!result.ok) return tell(result.reason);
  if (result.already) return tell(`You already follow chat #${ticketNumber}: its copy is in your DM with me.`);
  const { chat } = result;
  const ticket = await deps.desk.store.tickets.get(ticketNumber);
  const header = await dm(client, deps, user, `Following chat #${ticketNumber}`, followHeader({
    ticketNumber,
    requester: chat.requester,
    agent: chat.agent,
    groupName: deps.desk.directory.groupName(chat.groupId),
    subject: ticket?.subject ?? '',
  }));
  if (!header) return tell(`You follow chat #${ticketNumber}, but I could not open your copy of it in a DM.`);
  await deps.desk.store.chatDesk.setMirror(ticketNumber, user, header);
  // What was said before they came, so the copy starts with the context.
  const earlier = await deps.desk.store.tickets.comments(ticketNumber, { last: 5, kinds: ['public'] });
  const lines = [ticket ? requesterLine(clip(ticket.description, 1500)) : '', ...earlier.map((comment) => (comment.author.kind === 'agent' ? agentLine(deps, comment.author.id, comment.text) : requesterLine(comment.text)))]
    .filter(Boolean)
    .map((line) => clip(line, 2000));
  if (lines.length > 0) await inThread(client, deps, header, clip(`_So far:_\n${lines.join('\n')}`, 39_000));
  await tell(`You follow chat #${ticketNumber} now: the conversation is copied into your DM with me as it happens. The requester does not see you.`);
}

async function unfollow(client: WebClient, deps: SlackDeps, ticketNumber: number, user: string, tell: (text: string) => Promise<void>): Promise<void> {
  const result = await unfollowChat(deps.desk, { ticketNumber, user });
  if (!result.ok) return tell(result.reason);
  const mirror = result.follower.mirror;
  if (mirror) {
    const chat = await deps.desk.store.chats.get(ticketNumber);
    const ticket = await deps.desk.store.tickets.get(ticketNumber);
    await safely(deps.log, 'unfollowed header', () =>
      client.chat.update({
        channel: mirror.channel,
        ts: mirror.ts,
        text: `You stopped following chat #${ticketNumber}`,
        blocks: followHeader({ ticketNumber, requester: chat?.requester ?? '', agent: chat?.agent ?? null, groupName: deps.desk.directory.groupName(chat?.groupId ?? 0), subject: ticket?.subject ?? '', ended: 'You stopped following this chat.' }),
      }),
    );
  }
  await tell(`You no longer follow chat #${ticketNumber}.`);
}

// ─── Email during a chat ──────────────────────────────────────────────────────────────────

async function sendChatEmail(client: WebClient, deps: SlackDeps, ticketNumber: number, agent: string, text: string): Promise<ChatEmailResult | { ok: false; reason: string }> {
  const chat = await deps.desk.store.chats.get(ticketNumber);
  const profile = chat ? await slackProfile(client, deps, chat.requester) : null;
  const names: ShortcutNames = {
    requester: async () => profile?.name ?? 'there',
    agent: async () => deps.desk.directory.agent(agent)?.name ?? 'Support',
  };
  return emailDuringChat(deps.desk, { ticketNumber, agent, text, address: { email: profile?.email ?? null, name: profile?.name ?? '' }, names });
}

/** After the email is stored: it goes out now (retries follow by the jobs), and the thread and followers see it. */
async function chatEmailSent(client: WebClient, deps: SlackDeps, result: ChatEmailResult): Promise<void> {
  await deliverNow(deps, client, [result.delivery]);
  const line = `:email: *${deps.desk.directory.agent(result.comment.author.id)?.name ?? 'Agent'}* emailed the requester (${result.to.email}): ${result.comment.text}`;
  await inThread(client, deps, result.chat.thread, clip(line, 39_000));
  await mirrorToFollowers(client, deps, result.chat, clip(line, 39_000));
}

// ─── The requester panel ──────────────────────────────────────────────────────────────────

/**
 * Opens the panel at once (the trigger lives 3 seconds), then fills it: what Slack says (users.info) and
 * what deskbolt knows. A refusal replaces the loading view with the reason.
 */
async function openRequesterProfile(client: WebClient, deps: SlackDeps, triggerId: string, ticketNumber: number, viewer: string): Promise<void> {
  const opened = await client.views.open({
    trigger_id: triggerId,
    view: { type: 'modal', title: plain('Requester', 24), close: plain('Close', 24), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Looking the requester up…' } }] },
  });
  const viewId = opened.view?.id;
  if (!viewId) return;
  const history = await requesterHistory(deps.desk, { ticketNumber, viewer });
  if (!history.ok) {
    await safely(deps.log, 'requester panel refusal', () =>
      client.views.update({ view_id: viewId, view: { type: 'modal', title: plain('Requester', 24), close: plain('Close', 24), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: history.reason } }] } }),
    );
    return;
  }
  const slack = history.requester.kind === 'slack' ? await slackProfile(client, deps, history.requester.userId) : null;
  await safely(deps.log, 'requester panel', () => client.views.update({ view_id: viewId, view: requesterProfileModal(history, slack, deps.desk.clock()) }));
}

addSubcommands({
  requester: {
    usage: 'requester N',
    what: 'who asked: what Slack and deskbolt know of the requester',
    agentsOnly: true,
    async run({ deps, args, userId, triggerId, client, respond }) {
      if (!deps.desk.directory.agent(userId)) return tellEphemeral(respond, NOT_AN_AGENT);
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      await openRequesterProfile(client, deps, triggerId, parsed.number, userId);
    },
  },
  email: {
    usage: 'email N TEXT',
    what: 'email the requester of your live chat without ending it',
    agentsOnly: true,
    async run({ deps, args, userId, respond, client }) {
      const [first = ''] = args.split(/\s+/);
      const parsed = parseTicketNumber(first);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const result = await sendChatEmail(client, deps, parsed.number, userId, args.trim().slice(first.length));
      if (!result.ok) return tellEphemeral(respond, result.reason);
      await chatEmailSent(client, deps, result);
      await tellEphemeral(respond, `Emailed the requester of chat #${parsed.number} (${result.to.email}); the chat goes on.`);
    },
  },
  chats: {
    usage: 'chats',
    what: 'chats waiting for an agent of your groups, oldest first',
    agentsOnly: true,
    async run({ deps, userId, respond }) {
      const list = await waitingChats(deps.desk, userId);
      if (!list.ok) return tellEphemeral(respond, list.reason);
      await respond({ response_type: 'ephemeral', text: `${list.chats.length} chat(s) waiting for an agent`, blocks: waitingChatsBlocks(list.chats, deps.desk.clock()) });
    },
  },
  follow: {
    usage: 'follow N',
    what: 'see a live chat as it happens (a copy in your DM), unseen by the requester',
    agentsOnly: true,
    async run({ deps, args, userId, respond, client }) {
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      await follow(client, deps, parsed.number, userId, (text) => tellEphemeral(respond, text));
    },
  },
  unfollow: {
    usage: 'unfollow N',
    what: 'stop following a chat',
    agentsOnly: true,
    async run({ deps, args, userId, respond, client }) {
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      await unfollow(client, deps, parsed.number, userId, (text) => tellEphemeral(respond, text));
    },
  },
});

function ticketOf(value: string | undefined): number | null {
  const parsed = parseTicketNumber(value);
  return parsed.ok ? parsed.number : null;
}

export function registerChatDesk(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(actionIds.followChat, async ({ ack, body, action, respond, client }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    await follow(client, deps, number, body.user.id, answerer(client, deps, body, respond));
  });

  // "Queue it for the next agent who comes online", offered beside "Keep it" when a group had nobody online.
  app.action<BlockAction<ButtonAction>>(actionIds.queueTransfer, async ({ ack, body, action, respond, client }) => {
    await ack();
    const [numberText, groupText] = (action.value ?? '').split(':');
    const number = ticketOf(numberText);
    const group = deps.desk.directory.group(Number(groupText));
    if (number === null || !group) return;
    const result = await requestTransfer(deps.desk, { ticketNumber: number, from: body.user.id, to: { kind: 'group', id: String(group.id) } }, { queue: true });
    if (!result.ok) return tellEphemeral(respond, result.reason);
    await sendOffers(client, deps, result);
    const outcome = `Queued: chat #${number} stays with you until an agent of ${group.name} comes online and accepts it. Cancel with \`/ticket transfer cancel ${number}\`.`;
    await respond({
      replace_original: true,
      text: outcome,
      blocks: queueChoice({ reason: nobodyAvailable(group.name), ticketNumber: number, groupId: group.id, groupName: group.name, outcome }),
    });
  });

  app.action<BlockAction<ButtonAction>>(actionIds.keepChat, async ({ ack, action, respond }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    await respond({ replace_original: true, text: `Kept: chat #${number} stays with you.` });
  });

  app.action<BlockAction<ButtonAction>>(actionIds.requesterProfile, async ({ ack, body, action, client }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    await openRequesterProfile(client, deps, body.trigger_id, number, body.user.id);
  });

  // "View original" from the panel pushes the message; its paging buttons update that same view.
  const viewOriginal = async ({ ack, body, action, client, respond }: SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const [numberText, pageText] = (action.value ?? '').split(':');
    const number = ticketOf(numberText);
    if (number === null) return;
    const found = await originalMessage(deps.desk, { ticketNumber: number, viewer: body.user.id });
    if (!found.ok) return answerer(client, deps, body, respond)(found.reason);
    const view = originalMessageModal(found.ticket, Number(pageText) || 0);
    if (body.view?.callback_id === callbackIds.originalMessage) {
      await client.views.update({ view_id: body.view.id, view });
      return;
    }
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  };
  app.action<BlockAction<ButtonAction>>(actionIds.viewOriginal, viewOriginal);
  app.action<BlockAction<ButtonAction>>(actionIds.viewOriginalBack, viewOriginal);

  app.action<BlockAction<ButtonAction>>(actionIds.emailDuringChat, async ({ ack, body, action, client }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    await client.views.open({ trigger_id: body.trigger_id, view: chatEmailModal(number) });
  });

  app.view(callbackIds.chatEmail, async ({ ack, body, view, client }) => {
    const number = ticketOf(view.private_metadata);
    const text = field(stateValues(view), chatEmailFields.text)?.value ?? '';
    if (number === null) return ack();
    if (!text.trim()) return ack({ response_action: 'errors', errors: { [chatEmailFields.text]: 'Write the email first.' } });
    // The address comes from Slack (users.info), a round trip that must not stand before the ack: the
    // modal says it is sending, then shows what happened; a refusal reopens the form with the words kept.
    await ack({ response_action: 'update', view: chatEmailSending(number) });
    const result = await sendChatEmail(client, deps, number, body.user.id, text);
    const outcome = result.ok ? chatEmailSentView(number, result.to.email) : chatEmailModal(number, { text, reason: result.reason });
    await safely(deps.log, 'chat email outcome', () => client.views.update({ view_id: view.id, view: outcome }));
    if (result.ok) await chatEmailSent(client, deps, result);
  });

  app.action<BlockAction<ButtonAction>>(actionIds.unfollowChat, async ({ ack, body, action, respond, client }) => {
    await ack();
    const number = ticketOf(action.value);
    if (number === null) return;
    await unfollow(client, deps, number, body.user.id, answerer(client, deps, body, respond));
  });
}
