import { deskArticles } from './articles.js';
import type { Desk, Refusal } from './desk.js';
import { type FormChoices, formChoices } from './form.js';
import { type MacroChoice, macrosFor } from './macros.js';
import { ticketToWork } from './permissions.js';
import { AGENT_STATUSES, type AgentStatus } from './reply.js';
import { suggestArticles, suggestRootCause } from './suggestions.js';
import type { Ticket, TicketForm } from './types.js';

/** What the reply form offers an agent on a ticket: their macros, suggested articles, and the workspace's form. */
export interface ReplyChoices {
  ticket: Ticket;
  macros: MacroChoice[];
  articles: { key: string; title: string; url: string; summary?: string }[];
  /** Each with the key its option carries (a name can be longer than an option value may be). */
  rootCauses: FormChoices['rootCauses'];
  categories: FormChoices['categories'];
  version: number;
  /** The workspace has articles: the form offers to search them as the agent types. */
  knowledgeBase?: boolean;
}

export async function replyChoices(desk: Desk, ticket: Ticket, agentId: string): Promise<ReplyChoices> {
  const workspace = desk.directory.workspace;
  return {
    ticket,
    macros: await macrosFor(desk, agentId),
    articles: suggestArticles(deskArticles(desk.directory), ticket, 3),
    ...formChoices(workspace),
    version: ticket.version,
    knowledgeBase: workspace.articles.length > 0,
  };
}

/** How the form opens: the kind of answer, and the status it would leave the ticket in. */
export interface ReplyPreset {
  kind: 'public' | 'internal';
  status?: AgentStatus;
}

export interface ReplyFormStart extends ReplyChoices {
  ok: true;
  kind: 'public' | 'internal';
  status: AgentStatus;
  /** The ticket's form, with a root cause suggested from its words when none is set yet. */
  form: TicketForm;
}

/** The reply form as it opens on a ticket this agent may work. */
export async function startReply(
  desk: Desk,
  agentId: string,
  number: number,
  preset: ReplyPreset,
): Promise<ReplyFormStart | Refusal> {
  const found = await ticketToWork(desk, agentId, number);
  if (!found.ok) return found;
  const ticket = found.ticket;
  const rootCause = ticket.form.rootCause ?? suggestRootCause(desk.directory.workspace, ticket);
  return {
    ok: true,
    ...(await replyChoices(desk, ticket, agentId)),
    kind: preset.kind,
    status: preset.status ?? startingStatus(ticket),
    form: { ...ticket.form, ...(rootCause ? { rootCause } : {}) },
  };
}

function startingStatus(ticket: Ticket): AgentStatus {
  return (AGENT_STATUSES as readonly string[]).includes(ticket.status) ? (ticket.status as AgentStatus) : 'open';
}
