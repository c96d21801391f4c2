import type { Agent } from '../workspace/schema.js';
import type { Desk } from './desk.js';
import { type Refusal, refuse } from './refusals.js';

/** Someone the command's text mentioned by id, and how that mention reads once decoded (`@ben`). */
export interface MentionedPerson {
  userId: string;
  shown: string;
}

/**
 * The agent a person named in a command: a Slack mention (`<@U123|ben>` as Slack sends it with
 * should_escape on, read as `@ben` with its id in `mentions`), a user id, or a name as typed (`@ben`, `Ben`, the workspace file's name, first
 * names too). Nobody, or more than one, is a refusal that says so.
 */
export function agentNamed(
  desk: Desk,
  typed: string,
  mentions: readonly MentionedPerson[] = [],
): { ok: true; agent: Agent } | Refusal {
  const word = typed.trim();
  const mentioned = mentions.find((mention) => mention.shown === word)?.userId;
  const id =
    mentioned ?? /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word)?.[1] ?? /^@?([UW][A-Z0-9]{2,})$/.exec(word)?.[1];
  if (id) {
    const agent = desk.directory.agent(id);
    return agent ? { ok: true, agent } : refuse('no_such_person', { typed: word });
  }
  const name = word.replace(/^@/, '').toLowerCase();
  if (!name) return refuse('no_such_person', { typed: word });
  const agents = desk.directory.workspace.agents;
  const exact = agents.filter((agent) => agent.name.toLowerCase() === name);
  const candidates =
    exact.length > 0 ? exact : agents.filter((agent) => agent.name.toLowerCase().split(/\s+/)[0] === name);
  if (candidates.length === 1) return { ok: true, agent: candidates[0]! };
  if (candidates.length > 1)
    return refuse('ambiguous_person', { typed: word, candidates: candidates.map((agent) => agent.user) });
  return refuse('no_such_person', { typed: word });
}

/**
 * A person named in a lead's command about someone's tickets: any Slack mention or user id (an agent
 * who left the workspace file still holds tickets), or an agent's name as `agentNamed` reads it.
 */
export function personNamed(
  desk: Desk,
  typed: string,
  mentions: readonly MentionedPerson[] = [],
): { ok: true; userId: string } | Refusal {
  const word = typed.trim();
  const id =
    mentions.find((mention) => mention.shown === word)?.userId ??
    /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word)?.[1] ??
    /^@?([UW][A-Z0-9]{2,})$/.exec(word)?.[1];
  if (id) return { ok: true, userId: id };
  const agent = agentNamed(desk, word, mentions);
  return agent.ok ? { ok: true, userId: agent.agent.user } : agent;
}
