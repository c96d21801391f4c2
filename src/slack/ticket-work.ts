import type { App, BlockAction, ButtonAction, StaticSelectAction, ViewOutput, ViewStateValue } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { actionIds, callbackIds, escalationFields, linkFields, macroSaveFields, mergeFields, replyFields } from '../../blocks/ids.js';
import { inputBlockId, replyModal, type ReplyModalData, type ReplyModalMetadata } from '../../blocks/reply-modal.js';
import { escalationAlert, escalationModal, linkIncidentModal, macroSaveModal, mergeConfirmModal, mergePickModal } from '../../blocks/ticket-work-modals.js';
import type { Refusal } from '../tickets/desk.js';
import { escalateTicket, escalationGroups } from '../tickets/escalation.js';
import { findMacro, macrosFor, savePersonalMacro } from '../tickets/macros.js';
import { mergeTickets, planMerge } from '../tickets/merge.js';
import { agentOrRefusal, mayWork, noSuchTicket, outsideGroupReason, parseTicketNumber } from '../tickets/permissions.js';
import { linkIncident, markProblem } from '../tickets/problems.js';
import { askForSatisfaction } from './satisfaction.js';
import { refreshHome } from './home.js';
import { AGENT_STATUSES, replyToTicket, whyNotWorkable, type AgentStatus } from '../tickets/reply.js';
import { suggestArticles, suggestRootCause } from '../tickets/suggestions.js';
import type { Ticket, TicketForm } from '../tickets/types.js';
import { chosenName, formChoices } from '../tickets/form.js';
import type { Workspace } from '../workspace/schema.js';
import type { ModalView } from '@slack/types';
import { addSubcommands } from './commands.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { deliverNow, safely } from './notify.js';
import { tellUser } from './shortcuts.js';
import { stateValues } from './views.js';

type StateValues = Record<string, Record<string, ViewStateValue>>;

/** Answers by action id, whatever revision of the block they came from (see replyFields). */
function answersOf(values: StateValues | undefined): Record<string, ViewStateValue> {
  const answers: Record<string, ViewStateValue> = {};
  for (const block of Object.values(values ?? {})) Object.assign(answers, block);
  return answers;
}

function metadataOf<T>(view: { private_metadata?: string } | undefined): Partial<T> {
  try {
    const parsed: unknown = JSON.parse(view?.private_metadata ?? '');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Partial<T>) : {};
  } catch {
    return {};
  }
}

// ── The reply modal ────────────────────────────────────────────────────────────────────────────

interface ReplyPreset {
  kind: 'public' | 'internal';
  status?: AgentStatus;
  /** Opened from "Apply macro": the note is internal until the agent says otherwise. */
  forMacro?: boolean;
}

async function ticketToWork(deps: SlackDeps, number: number, agentId: string): Promise<{ ok: true; ticket: Ticket } | Refusal> {
  const allowed = agentOrRefusal(deps.desk, agentId);
  if (!allowed.ok) return allowed;
  const ticket = await deps.desk.store.tickets.get(number);
  if (!ticket) return noSuchTicket(number);
  if (!mayWork(deps.desk, allowed.agent, ticket)) return { ok: false, reason: outsideGroupReason(deps.desk, ticket) };
  const unworkable = whyNotWorkable(ticket);
  if (unworkable) return { ok: false, reason: unworkable };
  return { ok: true, ticket };
}

async function replyModalData(deps: SlackDeps, ticket: Ticket, agentId: string, fill: Omit<ReplyModalData, 'ticket' | 'macros' | 'articles' | 'rootCauses' | 'categories' | 'version'>): Promise<ReplyModalData> {
  const workspace = deps.desk.directory.workspace;
  return {
    ticket,
    macros: await macrosFor(deps.desk, agentId),
    articles: suggestArticles(workspace, ticket, 3),
    ...formChoices(workspace),
    version: ticket.version,
    ...fill,
  };
}

function startingStatus(ticket: Ticket): AgentStatus {
  return (AGENT_STATUSES as readonly string[]).includes(ticket.status) ? (ticket.status as AgentStatus) : 'open';
}

async function openReplyModal(deps: SlackDeps, client: WebClient, triggerId: string, agentId: string, number: number, preset: ReplyPreset): Promise<Refusal | null> {
  const found = await ticketToWork(deps, number, agentId);
  if (!found.ok) return found;
  const ticket = found.ticket;
  const rootCause = ticket.form.rootCause ?? suggestRootCause(deps.desk.directory.workspace, ticket);
  const data = await replyModalData(deps, ticket, agentId, {
    kind: preset.kind,
    text: '',
    status: preset.status ?? startingStatus(ticket),
    form: { ...ticket.form, ...(rootCause ? { rootCause } : {}) },
    revision: 1,
  });
  await client.views.open({ trigger_id: triggerId, view: replyModal(data) });
  return null;
}

/** What the modal shows now, as the agent left it: the start of every update. Pickers carry keys, read back into names. */
function currentReply(workspace: Workspace, answers: Record<string, ViewStateValue>) {
  const form: TicketForm = {};
  const rootCause = chosenName(workspace, 'rootCause', answers[replyFields.rootCause]?.selected_option?.value);
  const category = chosenName(workspace, 'category', answers[replyFields.category]?.selected_option?.value);
  const subcategory = chosenName(workspace, 'subcategory', answers[replyFields.subcategory]?.selected_option?.value);
  if (rootCause) form.rootCause = rootCause;
  if (category) form.category = category;
  if (subcategory) form.subcategory = subcategory;
  const kind: 'public' | 'internal' = answers[replyFields.kind]?.selected_option?.value === 'public' ? 'public' : 'internal';
  const status = answers[replyFields.status]?.selected_option?.value;
  return {
    kind,
    text: answers[replyFields.text]?.value ?? '',
    status: (AGENT_STATUSES as readonly string[]).includes(status ?? '') ? (status as AgentStatus) : 'open',
    form,
    saveAs: answers[replyFields.saveAsMacro]?.value?.trim() ?? '',
  };
}

type ViewBody = BlockAction['view'];

async function updateReplyModal(
  deps: SlackDeps,
  client: WebClient,
  agentId: string,
  view: ViewBody,
  change: (current: ReturnType<typeof currentReply>, ticket: Ticket) => Promise<Partial<ReplyModalData>> | Partial<ReplyModalData>,
): Promise<void> {
  if (!view) return;
  const metadata = metadataOf<ReplyModalMetadata>(view);
  const number = Number(metadata.number);
  const ticket = await deps.desk.store.tickets.get(number);
  if (!ticket) return;
  const current = currentReply(deps.desk.directory.workspace, answersOf(stateValues(view)));
  const changed = await change(current, ticket);
  const data = await replyModalData(deps, ticket, agentId, {
    kind: current.kind,
    text: current.text,
    status: current.status,
    form: current.form,
    revision: Number(metadata.revision ?? 1) + 1,
    ...changed,
  });
  // The version the agent first saw stays the precondition: what they read is what they answer.
  data.version = Number(metadata.version ?? ticket.version);
  // A hash conflict means the modal changed meanwhile (another click): that newer state wins.
  await safely(deps.log, 'reply modal update', () => client.views.update({ view_id: view.id, hash: view.hash, view: replyModal(data) }));
}

function replyErrors(view: ViewOutput, field: string | undefined, reason: string): Record<string, string> {
  const revision = Number(metadataOf<ReplyModalMetadata>(view).revision ?? 1);
  const wanted = {
    text: replyFields.text,
    status: replyFields.status,
    rootCause: replyFields.rootCause,
    category: replyFields.category,
    subcategory: replyFields.subcategory,
    saveAsMacro: replyFields.saveAsMacro,
  }[field ?? 'text'] ?? replyFields.text;
  const blockIds = new Set(view.blocks.map((block) => (block as { block_id?: string }).block_id));
  const blockId = blockIds.has(inputBlockId(wanted, revision)) ? inputBlockId(wanted, revision) : inputBlockId(replyFields.text, revision);
  return { [blockId]: reason.slice(0, 2000) };
}

// ── Registration ───────────────────────────────────────────────────────────────────────────────

export function registerTicketWork(app: App, deps: SlackDeps): void {
  /** A card button that opens a modal about its ticket, once the clicker may work that ticket. */
  const modalButton = (actionId: string, modal: (ticket: Ticket) => ModalView) => {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const parsed = parseTicketNumber(action.value);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const found = await ticketToWork(deps, parsed.number, body.user.id);
      if (!found.ok) return tellEphemeral(respond, found.reason);
      await client.views.open({ trigger_id: body.trigger_id, view: modal(found.ticket) });
    });
  };

  const presets: [string, ReplyPreset][] = [
    [actionIds.reply, { kind: 'public' }],
    [actionIds.note, { kind: 'internal' }],
    [actionIds.macro, { kind: 'internal', forMacro: true }],
    [actionIds.solve, { kind: 'public', status: 'solved' }],
  ];
  for (const [actionId, preset] of presets) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action, respond, client }) => {
      await ack();
      const parsed = parseTicketNumber(action.value);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const refused = await openReplyModal(deps, client, body.trigger_id, body.user.id, parsed.number, preset);
      if (refused) await tellEphemeral(respond, refused.reason);
    });
  }

  app.action<BlockAction<StaticSelectAction>>(replyFields.macro, async ({ ack, body, action, client }) => {
    await ack();
    const macro = await findMacro(deps.desk, body.user.id, action.selected_option.value);
    if (!macro) return;
    await updateReplyModal(deps, client, body.user.id, body.view, (current) => ({
      text: macro.text,
      kind: macro.public ? 'public' : 'internal',
      status: macro.status ?? current.status,
      form: { ...current.form, ...macro.form },
      appliedMacro: macro.name,
    }));
  });

  app.action<BlockAction<StaticSelectAction>>(replyFields.category, async ({ ack, body, action, client }) => {
    await ack();
    await updateReplyModal(deps, client, body.user.id, body.view, (current) => {
      const { subcategory: _dropped, ...form } = current.form;
      void _dropped;
      const category = chosenName(deps.desk.directory.workspace, 'category', action.selected_option?.value);
      return { form: { ...form, ...(category ? { category } : {}) } };
    });
  });

  app.action<BlockAction<ButtonAction>>(replyFields.linkArticle, async ({ ack, body, action, client }) => {
    await ack();
    await updateReplyModal(deps, client, body.user.id, body.view, (current, ticket) => {
      const article = suggestArticles(deps.desk.directory.workspace, ticket, 3)[Number(action.value)];
      if (!article) return {};
      const link = `${article.title}: ${article.url}`;
      return { text: current.text.includes(article.url) ? current.text : `${current.text}${current.text ? '\n\n' : ''}${link}` };
    });
  });

  // The work runs before the ack: a refusal (missing form field, a changed ticket) must show on the modal.
  app.view(callbackIds.reply, async ({ ack, body, view, client }) => {
    const agentId = body.user.id;
    const metadata = metadataOf<ReplyModalMetadata>(view);
    const current = currentReply(deps.desk.directory.workspace, answersOf(stateValues(view)));
    if (current.saveAs) {
      const saved = await savePersonalMacro(deps.desk, agentId, { name: current.saveAs, text: current.text, public: current.kind === 'public' });
      if (!saved.ok) return void (await ack({ response_action: 'errors', errors: replyErrors(view, 'saveAsMacro', saved.reason) }));
    }
    const result = await replyToTicket(deps.desk, {
      number: Number(metadata.number),
      agent: agentId,
      text: current.text,
      kind: current.kind,
      status: current.status,
      form: current.form,
      ...(typeof metadata.version === 'number' ? { seenVersion: metadata.version } : {}),
    });
    if (!result.ok) return void (await ack({ response_action: 'errors', errors: replyErrors(view, result.field, result.reason) }));
    await ack();
    await deliverNow(deps, client, result.deliveries);
    // After the solution itself has gone out, each requester whose ticket this solved is asked how it went.
    for (const solved of result.solved) await askForSatisfaction(client, deps.desk, solved, deps.log);
    await refreshHome(client, deps.desk, agentId, { log: deps.log });
  });

  // Merge: pick the target from the card, confirm with both shown, then merge.
  modalButton(actionIds.merge, (ticket) => mergePickModal(ticket));

  app.view(callbackIds.mergePick, async ({ ack, body, view }) => {
    const sources = (metadataOf<{ sources: number[] }>(view).sources ?? []).map(Number);
    const target = parseTicketNumber(answersOf(stateValues(view))[mergeFields.target]?.value ?? '');
    if (!target.ok) return void (await ack({ response_action: 'errors', errors: { [mergeFields.target]: target.reason } }));
    const plan = await planMerge(deps.desk, { sources, target: target.number, agent: body.user.id });
    if (!plan.ok) return void (await ack({ response_action: 'errors', errors: { [mergeFields.target]: plan.reason } }));
    await ack({ response_action: 'update', view: mergeConfirmModal(plan.sources, plan.target) });
  });

  app.view(callbackIds.mergeConfirm, async ({ ack, body, view, client }) => {
    await ack();
    const metadata = metadataOf<{ sources: number[]; target: number }>(view);
    const result = await mergeTickets(deps.desk, { sources: (metadata.sources ?? []).map(Number), target: Number(metadata.target), agent: body.user.id });
    if (!result.ok) return tellUser(client, deps, body.user.id, `Nothing was merged: ${result.reason}`);
    await tellUser(client, deps, body.user.id, `Merged ${result.merged.map((t) => `#${t.number}`).join(', ')} into #${result.target.number}.`);
    await deliverNow(deps, client, result.deliveries);
    await refreshHome(client, deps.desk, body.user.id, { log: deps.log });
  });

  modalButton(actionIds.escalate, (ticket) => escalationModal(ticket, escalationGroups(deps.desk, ticket)));

  app.view(callbackIds.escalate, async ({ ack, body, view, client }) => {
    const answers = answersOf(stateValues(view));
    const result = await escalateTicket(deps.desk, {
      number: Number(metadataOf<{ number: number }>(view).number),
      agent: body.user.id,
      groupId: Number(answers[escalationFields.group]?.selected_option?.value ?? 0),
      note: answers[escalationFields.note]?.value ?? '',
    });
    if (!result.ok) {
      const blockId = result.field === 'group' ? escalationFields.group : escalationFields.note;
      return void (await ack({ response_action: 'errors', errors: { [blockId]: result.reason } }));
    }
    await ack();
    const from = result.from ? `${result.from.name} (${result.from.id})` : `group ${result.ticket.groupId}`;
    await safely(deps.log, 'escalation alert', async () => {
      const posted = await client.chat.postMessage({
        channel: result.to.alertChannel,
        text: `Escalated #${result.ticket.number} to ${result.to.name}: ${result.ticket.subject}`,
        blocks: escalationAlert(result.ticket, from, `${result.to.name} (${result.to.id})`, body.user.id, result.note.text),
      });
      // Taking it from this alert updates this alert, as for a new ticket.
      if (posted.channel && posted.ts) await deps.desk.store.tickets.rememberAlert(result.ticket.number, { channel: posted.channel, ts: posted.ts });
    });
  });

  app.action<BlockAction<ButtonAction>>(actionIds.problem, async ({ ack, body, action, respond }) => {
    await ack();
    const parsed = parseTicketNumber(action.value);
    if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
    const result = await markProblem(deps.desk, { number: parsed.number, agent: body.user.id });
    if (!result.ok) return tellEphemeral(respond, result.reason);
    await tellEphemeral(respond, `#${parsed.number} is now a problem. Link its incidents with \`/ticket link N to ${parsed.number}\`.`);
  });

  modalButton(actionIds.link, (ticket) => linkIncidentModal(ticket));

  app.view(callbackIds.linkIncident, async ({ ack, body, view }) => {
    const problem = parseTicketNumber(answersOf(stateValues(view))[linkFields.problem]?.value ?? '');
    if (!problem.ok) return void (await ack({ response_action: 'errors', errors: { [linkFields.problem]: problem.reason } }));
    const result = await linkIncident(deps.desk, { incident: Number(metadataOf<{ number: number }>(view).number), problem: problem.number, agent: body.user.id });
    if (!result.ok) return void (await ack({ response_action: 'errors', errors: { [linkFields.problem]: result.reason } }));
    await ack();
  });

  app.view(callbackIds.macroSave, async ({ ack, body, view }) => {
    const answers = answersOf(stateValues(view));
    const saved = await savePersonalMacro(deps.desk, body.user.id, {
      name: answers[macroSaveFields.name]?.value ?? '',
      text: answers[macroSaveFields.text]?.value ?? '',
      public: answers[macroSaveFields.kind]?.selected_option?.value === 'public',
    });
    if (!saved.ok) {
      const blockId = /text/.test(saved.reason) ? macroSaveFields.text : macroSaveFields.name;
      return void (await ack({ response_action: 'errors', errors: { [blockId]: saved.reason } }));
    }
    await ack();
  });
}

// ── /ticket subcommands ────────────────────────────────────────────────────────────────────────

/** "1004 1005 into 1002", "#1004 into #1002" */
function parseMerge(args: string): { ok: true; sources: number[]; target: number } | Refusal {
  const match = /^(.+?)\s+into\s+(\S+)$/i.exec(args.trim());
  if (!match) return { ok: false, reason: 'Say which into which: `/ticket merge 1004 into 1002`.' };
  const target = parseTicketNumber(match[2]);
  if (!target.ok) return target;
  const sources: number[] = [];
  for (const word of match[1]!.split(/[\s,]+/).filter(Boolean)) {
    const source = parseTicketNumber(word);
    if (!source.ok) return source;
    sources.push(source.number);
  }
  return { ok: true, sources, target: target.number };
}

addSubcommands({
  reply: {
    usage: 'reply N',
    what: 'reply, add a note, apply a macro, set the status (a form opens)',
    agentsOnly: true,
    async run({ deps, args, userId, triggerId, respond, client }) {
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const refused = await openReplyModal(deps, client, triggerId, userId, parsed.number, { kind: 'public' });
      if (refused) await tellEphemeral(respond, refused.reason);
    },
  },
  merge: {
    usage: 'merge N into M',
    what: 'merge a duplicate into another ticket (you confirm first)',
    agentsOnly: true,
    async run({ deps, args, userId, triggerId, respond, client }) {
      const parsed = parseMerge(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const plan = await planMerge(deps.desk, { sources: parsed.sources, target: parsed.target, agent: userId });
      if (!plan.ok) return tellEphemeral(respond, plan.reason);
      await client.views.open({ trigger_id: triggerId, view: mergeConfirmModal(plan.sources, plan.target) });
    },
  },
  escalate: {
    usage: 'escalate N',
    what: 'send a ticket to another group with a note (a form opens)',
    agentsOnly: true,
    async run({ deps, args, userId, triggerId, respond, client }) {
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const found = await ticketToWork(deps, parsed.number, userId);
      if (!found.ok) return tellEphemeral(respond, found.reason);
      await client.views.open({ trigger_id: triggerId, view: escalationModal(found.ticket, escalationGroups(deps.desk, found.ticket)) });
    },
  },
  link: {
    usage: 'link N to P',
    what: 'make N an incident of problem P',
    agentsOnly: true,
    async run({ deps, args, userId, respond }) {
      const match = /^(\S+)\s+to\s+(\S+)$/i.exec(args.trim());
      if (!match) return tellEphemeral(respond, 'Say which to which: `/ticket link 1007 to 1003`.');
      const incident = parseTicketNumber(match[1]);
      if (!incident.ok) return tellEphemeral(respond, incident.reason);
      const problem = parseTicketNumber(match[2]);
      if (!problem.ok) return tellEphemeral(respond, problem.reason);
      const result = await linkIncident(deps.desk, { incident: incident.number, problem: problem.number, agent: userId });
      if (!result.ok) return tellEphemeral(respond, result.reason);
      await tellEphemeral(respond, `#${incident.number} is now an incident of problem #${problem.number}. Solving #${problem.number} solves it too.`);
    },
  },
  problem: {
    usage: 'problem N',
    what: 'mark a ticket as a problem',
    agentsOnly: true,
    async run({ deps, args, userId, respond }) {
      const parsed = parseTicketNumber(args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const result = await markProblem(deps.desk, { number: parsed.number, agent: userId });
      if (!result.ok) return tellEphemeral(respond, result.reason);
      await tellEphemeral(respond, `#${parsed.number} is now a problem. Link its incidents with \`/ticket link N to ${parsed.number}\`.`);
    },
  },
  macro: {
    usage: 'macro save NAME',
    what: 'save one of your personal macros (a form opens)',
    agentsOnly: true,
    async run({ deps, args, userId, triggerId, respond, client }) {
      const [verb = '', ...rest] = args.trim().split(/\s+/);
      if (verb.toLowerCase() !== 'save') return tellEphemeral(respond, 'Try `/ticket macro save NAME`.');
      const allowed = agentOrRefusal(deps.desk, userId);
      if (!allowed.ok) return tellEphemeral(respond, allowed.reason);
      await client.views.open({ trigger_id: triggerId, view: macroSaveModal(rest.join(' ').slice(0, 80)) });
    },
  },
});
