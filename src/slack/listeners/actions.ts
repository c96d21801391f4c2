import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  ExternalSelectAction,
  SlackActionMiddlewareArgs,
  StaticSelectAction,
} from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { transferModal } from '../../../blocks/chat.js';
import { chatEmailModal, originalMessageModal, queueChoice } from '../../../blocks/chat-desk.js';
import { readConversationValue } from '../../../blocks/conversation.js';
import { fullTextModal, HISTORY_PAGE, historyModal } from '../../../blocks/history.js';
import { ticketModal } from '../../../blocks/home.js';
import { actionIds, callbackIds, replyFields } from '../../../blocks/ids.js';
import { addedToTicket, topicQuestion } from '../../../blocks/notices.js';
import { readSurveyValue, surveyCommentModal } from '../../../blocks/satisfaction.js';
import { cardText } from '../../../blocks/ticket-card.js';
import { escalationModal, linkIncidentModal, mergePickModal } from '../../../blocks/ticket-work-modals.js';
import { availabilities, setAvailability } from '../../chats/availability.js';
import { acceptChat, endChat, requeueChat } from '../../chats/chat.js';
import { originalMessage } from '../../chats/profile.js';
import { messageIsAbout, messageIsNew } from '../../chats/routing.js';
import { acceptTransfer, declineTransfer, requestTransfer, transferableChat } from '../../chats/transfers.js';
import { AVAILABILITIES } from '../../chats/types.js';
import { articleByKey } from '../../tickets/articles.js';
import { escalationGroups } from '../../tickets/escalation.js';
import { chosenName } from '../../tickets/form.js';
import { findMacro } from '../../tickets/macros.js';
import { parseTicketNumber, ticketToWork } from '../../tickets/permissions.js';
import { markProblem } from '../../tickets/problems.js';
import { isRefusal, refuse } from '../../tickets/refusals.js';
import type { ReplyPreset } from '../../tickets/reply-form.js';
import { type Rating, rateSolve } from '../../tickets/satisfaction.js';
import { takeTicket } from '../../tickets/take.js';
import type { Ticket } from '../../tickets/types.js';
import { cardView, fullText, ticketHistory } from '../../tickets/views.js';
import { publishHome } from '../home.js';
import { openRequesterPanel } from '../profiles.js';
import { cardBlocks, openReplyModal, showConversation, showModal, updateReplyModal } from '../screens.js';
import { refusalText } from '../words.js';
import {
  answerSurvey,
  answerTake,
  askerOfClick,
  type ButtonArgs,
  follow,
  type ListenerDeps,
  type SelectArgs,
  unfollow,
} from './answers.js';

/** The ticket a button names in its value, or null (after telling the clicker) when the value is not a ticket number. */
async function ticketOfButton(deps: ListenerDeps, args: ButtonArgs, value = args.action.value): Promise<number | null> {
  const parsed = parseTicketNumber(value);
  if (parsed.ok) return parsed.number;
  await askerOfClick(deps, args).refuse(parsed);
  return null;
}

/** Where a click opens its modal: pushed on the modal it came from (a card opened from the App Home), or on its own. */
function triggerOf(args: ButtonArgs): { triggerId: string; inModal: boolean } {
  return { triggerId: args.body.trigger_id, inModal: args.body.view?.type === 'modal' };
}

/** A card button that opens a modal about its ticket, once the clicker may work that ticket. */
function modalButton(deps: ListenerDeps, modal: (ticket: Ticket) => ModalView) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const number = await ticketOfButton(deps, args);
    if (number === null) return;
    const found = await ticketToWork(deps.desk, args.body.user.id, number);
    if (!found.ok) return askerOfClick(deps, args).refuse(found);
    await showModal(args.client, triggerOf(args), modal(found.ticket));
  };
}

function replyButton(deps: ListenerDeps, preset: ReplyPreset) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const number = await ticketOfButton(deps, args);
    if (number === null) return;
    const refused = await openReplyModal(deps.desk, args.client, triggerOf(args), args.body.user.id, number, preset);
    if (refused) await askerOfClick(deps, args).refuse(refused);
  };
}

/** History: opened from a card or the live message, then paged in place (Older, Newer). */
async function historyClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const [numberText, pageText] = (args.action.value ?? '').split(':');
  const number = await ticketOfButton(deps, args, numberText);
  if (number === null) return;
  const history = await ticketHistory(deps.desk, number, args.body.user.id, Number(pageText) || 0, HISTORY_PAGE);
  if (!history.ok) return askerOfClick(deps, args).refuse(history);
  const view = historyModal({
    ticketNumber: number,
    events: history.events,
    page: history.page,
    total: history.total,
    timeZone: deps.desk.settings.timeZone,
  });
  const open = args.body.view;
  if (open && open.callback_id === view.callback_id) await args.client.views.update({ view_id: open.id, view });
  else await showModal(args.client, triggerOf(args), view);
}

/** Conversation: opened from a card or the live message, then paged in place (Older, Newer). */
async function conversationClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const wanted = readConversationValue(args.action.value);
  const number = await ticketOfButton(deps, args, wanted.number);
  if (number === null) return;
  const open = args.body.view;
  await showConversation(
    deps.desk,
    args.client,
    { ...triggerOf(args), openView: open?.callback_id === callbackIds.conversation ? open.id : null },
    args.body.user.id,
    number,
    wanted,
    askerOfClick(deps, args),
  );
}

/** Full text: a description or comment longer than the card shows, read whole. */
async function fullTextClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const found = await fullText(deps.desk, args.action.value ?? '', args.body.user.id);
  if (!found.ok) return askerOfClick(deps, args).refuse(found);
  await showModal(args.client, triggerOf(args), fullTextModal(`#${found.ticketNumber}`, found.heading, found.text));
}

async function take(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const userId = args.body.user.id;
  await answerTake(deps.desk, askerOfClick(deps, args), userId, await takeTicket(deps.desk, { number, agent: userId }));
}

async function showCard(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const card = await cardView(deps.desk, number, args.body.user.id);
  const asker = askerOfClick(deps, args);
  if (!card.ok) return asker.refuse(card);
  await asker.say(cardText(card.ticket), cardBlocks(deps.desk, card));
}

/** Opening a ticket from the App Home: a home tab has no response_url, so the card shows in a modal. */
async function openFromHome(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const card = await cardView(deps.desk, number, args.body.user.id);
  if (!card.ok) return askerOfClick(deps, args).refuse(card);
  await args.client.views.open({
    trigger_id: args.body.trigger_id,
    view: ticketModal(card.ticket.number, cardBlocks(deps.desk, card)),
  });
}

async function problem(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const result = await markProblem(deps.desk, { number, agent: args.body.user.id });
  const asker = askerOfClick(deps, args);
  if (!result.ok) return asker.refuse(result);
  await asker.say(`#${number} is now a problem. Link its incidents with \`/ticket link N to ${number}\`.`);
}

// ── The reply form's own elements ──────────────────────────────────────────────────────────────

async function applyMacro(
  deps: ListenerDeps,
  { ack, body, action, client }: SlackActionMiddlewareArgs<BlockAction<ExternalSelectAction>> & AllMiddlewareArgs,
): Promise<void> {
  await ack();
  if (!action.selected_option?.value) return;
  const macro = await findMacro(deps.desk, body.user.id, action.selected_option.value ?? '');
  if (!macro) return;
  await updateReplyModal(deps.desk, client, body.user.id, body.view, (current) => {
    // The team's rule: a macro adds to what the agent wrote (never wipes it) and makes the answer an
    // internal note unless the macro is marked public; the form says so when that changed the kind.
    const kind = macro.public ? 'public' : 'internal';
    return {
      text: current.text.trim() ? `${current.text.trimEnd()}\n\n${macro.text}` : macro.text,
      kind,
      status: macro.status ?? current.status,
      form: { ...current.form, ...macro.form },
      appliedMacro: macro.name,
      ...(kind !== current.kind ? { kindSwitched: kind } : {}),
    };
  });
}

async function chooseCategory(deps: ListenerDeps, { ack, body, action, client }: SelectArgs): Promise<void> {
  await ack();
  await updateReplyModal(deps.desk, client, body.user.id, body.view, (current) => {
    const { subcategory: _dropped, ...form } = current.form;
    const category = chosenName(deps.desk.directory.workspace, 'category', action.selected_option?.value);
    return { form: { ...form, ...(category ? { category } : {}) } };
  });
}

async function linkArticle(deps: ListenerDeps, { ack, body, action, client }: ButtonArgs): Promise<void> {
  await ack();
  await updateReplyModal(deps.desk, client, body.user.id, body.view, (current) => {
    const article = articleByKey(deps.desk.directory, action.value ?? '');
    if (!article) return { articleGone: refusalText(deps.desk, refuse('article_gone')) };
    const link = `${article.title}: ${article.url}`;
    return {
      text: current.text.includes(article.url) ? current.text : `${current.text}${current.text ? '\n\n' : ''}${link}`,
    };
  });
}

// ── Chats ──────────────────────────────────────────────────────────────────────────────────────

async function acceptChatClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const result = await acceptChat(deps.desk, { ticketNumber: number, agent: args.body.user.id });
  if (!result.ok) return askerOfClick(deps, args).refuse(result);
  if (result.alreadyYours) await askerOfClick(deps, args).say(`Chat #${number} is already yours.`);
}

async function requeueChatClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const result = await requeueChat(deps.desk, { ticketNumber: number, by: args.body.user.id });
  if (!result.ok) await askerOfClick(deps, args).refuse(result);
}

async function endChatClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const result = await endChat(deps.desk, { ticketNumber: number, by: args.body.user.id });
  if (!result.ok) await askerOfClick(deps, args).refuse(result);
}

async function transferClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  const { desk } = deps;
  const userId = args.body.user.id;
  const yours = transferableChat(await desk.store.chats.get(number), number, userId);
  if (!yours.ok) return askerOfClick(deps, args).refuse(yours);
  // An agent who works tickets only is no transfer target: the modal does not offer what would be refused.
  const agents = desk.directory.workspace.agents.filter(
    (agent) => agent.user !== userId && desk.directory.takesChats(agent.user),
  );
  const states = await availabilities(
    desk,
    agents.map((agent) => agent.user),
  );
  await args.client.views.open({
    trigger_id: args.body.trigger_id,
    view: transferModal({
      ticketNumber: yours.chat.ticketNumber,
      agents: agents.map((agent) => ({ user: agent.user, name: agent.name, availability: states.get(agent.user)! })),
      groups: desk.directory.groups(),
      leadGroup: { id: yours.chat.groupId, name: desk.directory.groupName(yours.chat.groupId) },
    }),
  });
}

async function answerTransfer(
  deps: ListenerDeps,
  args: ButtonArgs,
  answer: typeof acceptTransfer | typeof declineTransfer,
): Promise<void> {
  await args.ack();
  const result = await answer(deps.desk, { transferId: args.action.value ?? '', by: args.body.user.id });
  if (!result.ok) await askerOfClick(deps, args).refuse(result);
}

/** "Queue it for the next agent who comes online", offered beside "Keep it" when a group had nobody online. */
async function queueTransferClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const [numberText, groupText] = (args.action.value ?? '').split(':');
  const number = parseTicketNumber(numberText);
  const group = deps.desk.directory.group(Number(groupText));
  if (!number.ok || !group)
    return askerOfClick(deps, args).refuse(number.ok ? refuse('no_such_group', { groupId: groupText ?? '' }) : number);
  const result = await requestTransfer(
    deps.desk,
    { ticketNumber: number.number, from: args.body.user.id, to: { kind: 'group', id: String(group.id) } },
    { queue: true },
  );
  if (!result.ok) return askerOfClick(deps, args).refuse(result);
  const outcome = `Queued: chat #${number.number} stays with you until an agent of ${group.name} comes online and accepts it. Cancel with \`/ticket transfer cancel ${number.number}\`.`;
  await args.respond({
    replace_original: true,
    text: outcome,
    blocks: queueChoice({
      reason: refusalText(deps.desk, refuse('nobody_available', { groupId: group.id })),
      ticketNumber: number.number,
      groupId: group.id,
      groupName: group.name,
      outcome,
    }),
  });
}

async function keepChatClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number !== null) await args.respond({ replace_original: true, text: `Kept: chat #${number} stays with you.` });
}

async function followClicked(deps: ListenerDeps, args: ButtonArgs, following: boolean): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number === null) return;
  if (following) await follow(deps.desk, askerOfClick(deps, args), number, args.body.user.id);
  else await unfollow(deps.desk, askerOfClick(deps, args), number, args.body.user.id);
}

async function requesterPanelClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number !== null)
    await openRequesterPanel(deps.desk, deps.log, args.client, args.body.trigger_id, number, args.body.user.id);
}

/** "View original" from the panel pushes the message; its paging buttons update that same view. */
async function viewOriginalClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const { body, client } = args;
  const [numberText, pageText] = (args.action.value ?? '').split(':');
  const number = await ticketOfButton(deps, args, numberText);
  if (number === null) return;
  const found = await originalMessage(deps.desk, { ticketNumber: number, viewer: body.user.id });
  if (!found.ok) return askerOfClick(deps, args).refuse(found);
  const view = originalMessageModal(found.ticket, Number(pageText) || 0, found.email);
  if (body.view?.callback_id === callbackIds.originalMessage)
    await client.views.update({ view_id: body.view.id, view });
  else if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
  else await client.views.open({ trigger_id: body.trigger_id, view });
}

async function emailReplyClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const number = await ticketOfButton(deps, args);
  if (number !== null) await args.client.views.open({ trigger_id: args.body.trigger_id, view: chatEmailModal(number) });
}

// ── A requester's answers to the bot's questions ───────────────────────────────────────────────

/** "Which request is this about?": the held message goes to the ticket picked, or starts something new. */
async function whichTicketPicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const [key = '', choice = ''] = (args.action.value ?? '').split('|');
  const requester = args.body.user.id;
  if (choice === 'new') return answerNewMessage(deps, args, await messageIsNew(deps.desk, { key, requester }));
  const about = await messageIsAbout(deps.desk, { key, requester, ticketNumber: Number(choice) });
  if (about === null)
    return void (await args.respond({ replace_original: true, text: 'That message was handled already.' }));
  if (!about.ok) return askerOfClick(deps, args).refuse(about);
  const added = addedToTicket(about.reply.ticket.number, about.reply.reopened);
  await args.respond({ replace_original: true, text: added.text });
}

/** "What is it about?": the held message starts a chat in the topic's group. */
async function topicPicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const [key = '', topic = ''] = (args.action.value ?? '').split('|');
  await answerNewMessage(
    deps,
    args,
    await messageIsNew(deps.desk, { key, requester: args.body.user.id, topic: Number(topic) }),
  );
}

async function answerNewMessage(
  deps: ListenerDeps,
  args: ButtonArgs,
  outcome: Awaited<ReturnType<typeof messageIsNew>>,
): Promise<void> {
  if (outcome === null)
    return void (await args.respond({ replace_original: true, text: 'That message was handled already.' }));
  if (isRefusal(outcome)) return askerOfClick(deps, args).refuse(outcome);
  if (outcome.kind === 'ask-topic') {
    const question = topicQuestion(outcome.key, outcome.topics);
    return void (await args.respond({
      replace_original: true,
      text: question.text,
      ...(question.blocks ? { blocks: question.blocks } : {}),
    }));
  }
  // The chat's own receipt follows from the chat notifier; this message only says the question is settled.
  if (outcome.kind === 'chat')
    await args.respond({
      replace_original: true,
      text: outcome.started
        ? `New request: chat #${outcome.ticket.number}.`
        : `Added to your chat #${outcome.ticket.number}.`,
    });
}

// ── App Home and surveys ───────────────────────────────────────────────────────────────────────

async function availabilityClicked(deps: ListenerDeps, args: ButtonArgs, wanted: string): Promise<void> {
  await args.ack();
  const result = await setAvailability(deps.desk, args.body.user.id, wanted);
  if (!result.ok) await askerOfClick(deps, args).refuse(result);
}

async function rateClicked(deps: ListenerDeps, args: ButtonArgs, rating: Rating): Promise<void> {
  await args.ack();
  const { body, client } = args;
  const ref = readSurveyValue(args.action.value);
  const asker = askerOfClick(deps, args);
  if (!ref) return asker.say('This survey button is not one of ours.');
  const ticket = await deps.desk.store.tickets.get(ref.number);
  if (ticket?.requester.kind !== 'slack' || ticket.requester.userId !== body.user.id)
    return asker.say('Only the person who asked for help can answer this survey.');
  // The trigger expires in 3 seconds: the comment modal opens before the answer is stored.
  await client.views
    .open({ trigger_id: body.trigger_id, view: surveyCommentModal({ ...ref, rating }) })
    .catch((error: unknown) => deps.log('slack: satisfaction comment modal failed', error));
  const result = await rateSolve(deps.desk, { ...ref, rating, actor: { kind: 'requester', id: body.user.id } });
  await answerSurvey(deps, asker, args.respond, ref, result);
}

/**
 * Every button and select, by the surface it lives on. Registered explicitly (one place lists them
 * all), each a named handler that acknowledges first and answers only the person who clicked.
 */
export function registerActions(app: App, deps: ListenerDeps): void {
  const button = (id: string, handler: (args: ButtonArgs) => Promise<void>) =>
    app.action<BlockAction<ButtonAction>>(id, handler);
  const select = (id: string, handler: (args: SelectArgs) => Promise<void>) =>
    app.action<BlockAction<StaticSelectAction>>(id, handler);

  // The working card.
  button(actionIds.take, (args) => take(deps, args));
  button(actionIds.show, (args) => showCard(deps, args));
  button(actionIds.reply, replyButton(deps, { kind: 'public' }));
  button(actionIds.note, replyButton(deps, { kind: 'internal' }));
  button(actionIds.macro, replyButton(deps, { kind: 'internal' }));
  button(actionIds.solve, replyButton(deps, { kind: 'public', status: 'solved' }));
  button(
    actionIds.merge,
    modalButton(deps, (ticket) => mergePickModal(ticket)),
  );
  button(
    actionIds.escalate,
    modalButton(deps, (ticket) => escalationModal(ticket, escalationGroups(deps.desk, ticket))),
  );
  button(
    actionIds.link,
    modalButton(deps, (ticket) => linkIncidentModal(ticket)),
  );
  button(actionIds.problem, (args) => problem(deps, args));
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${actionIds.show}_\\d+$`), (args) => showCard(deps, args));
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${actionIds.history}(_older|_newer)?$`), (args) =>
    historyClicked(deps, args),
  );
  button(actionIds.fullText, (args) => fullTextClicked(deps, args));
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${actionIds.conversation}(_older|_newer)?$`), (args) =>
    conversationClicked(deps, args),
  );

  // Inside the reply form.
  app.action<BlockAction<ExternalSelectAction>>(replyFields.macro, (args) => applyMacro(deps, args));
  select(replyFields.category, (args) => chooseCategory(deps, args));
  button(replyFields.linkArticle, (args) => linkArticle(deps, args));

  // Chats and transfers.
  button(actionIds.acceptChat, (args) => acceptChatClicked(deps, args));
  button(actionIds.endChat, (args) => endChatClicked(deps, args));
  button(actionIds.requeueChat, (args) => requeueChatClicked(deps, args));
  // End and solve: the reply form, set to Solved (it needs the ticket form like any solve); the solve ends the chat.
  button(actionIds.endAndSolve, replyButton(deps, { kind: 'public', status: 'solved' }));
  button(actionIds.transferChat, (args) => transferClicked(deps, args));
  button(actionIds.acceptTransfer, (args) => answerTransfer(deps, args, acceptTransfer));
  button(actionIds.declineTransfer, (args) => answerTransfer(deps, args, declineTransfer));
  button(actionIds.queueTransfer, (args) => queueTransferClicked(deps, args));
  button(actionIds.keepChat, (args) => keepChatClicked(deps, args));
  button(actionIds.followChat, (args) => followClicked(deps, args, true));
  button(actionIds.unfollowChat, (args) => followClicked(deps, args, false));
  button(actionIds.requesterProfile, (args) => requesterPanelClicked(deps, args));
  button(actionIds.viewOriginal, (args) => viewOriginalClicked(deps, args));
  button(actionIds.viewOriginalBack, (args) => viewOriginalClicked(deps, args));
  button(actionIds.emailDuringChat, (args) => emailReplyClicked(deps, args));

  // A requester's answers to the bot's questions about a new message.
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${actionIds.whichTicket}_`), (args) =>
    whichTicketPicked(deps, args),
  );
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${actionIds.chatTopic}_`), (args) => topicPicked(deps, args));

  // The App Home.
  app.action<BlockAction>(actionIds.homeSearch, async ({ ack, body, action, client }) => {
    await ack();
    await publishHome(client, deps.desk, body.user.id, (action as { value?: string }).value ?? '');
  });
  button(actionIds.homeOpen, (args) => openFromHome(deps, args));
  for (const availability of AVAILABILITIES)
    button(`${actionIds.homeAvailability}_${availability}`, (args) => availabilityClicked(deps, args, availability));

  // The satisfaction survey.
  button(actionIds.rateGood, (args) => rateClicked(deps, args, 'good'));
  button(actionIds.rateBad, (args) => rateClicked(deps, args, 'bad'));
}
