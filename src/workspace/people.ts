import type { Directory } from './directory.js';
import type { Agent } from './schema.js';

/** A person named in a command: picked by Slack (a mention, so their id is known) or typed as a name. */
export interface NamedPerson {
  ok: true;
  userId: string;
  /** Their entry in the workspace file, when they are an agent. */
  agent: Agent | undefined;
}

export interface NoSuchPerson {
  ok: false;
  reason: string;
}

/** Someone the command text mentioned by id, and how the mention reads in the decoded text (`@ana`). */
export interface MentionedPerson {
  userId: string;
  shown: string;
}

const USER_ID = /^[UW][A-Z0-9]{2,}$/;

function compact(text: string): string {
  return text.toLowerCase().replace(/[\s._-]+/g, '');
}

function listOf(agents: readonly Agent[]): string {
  const names = agents.map((agent) => agent.name);
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/**
 * Who `typed` names: a mention Slack resolved (`@ana` shown for `<@U1|ana>`), a user id, or a name from
 * the workspace file — in full (`Ben Ito`, any case, with or without @), run together (`@benito`), or
 * by first name (`ben`) when only one agent has it. Nobody, or two people, is a refusal that says so.
 */
export function personNamed(directory: Directory, typed: string, mentions: readonly MentionedPerson[] = []): NamedPerson | NoSuchPerson {
  const words = typed.trim();
  const mentioned = mentions.find((mention) => mention.shown === words);
  if (mentioned) return { ok: true, userId: mentioned.userId, agent: directory.agent(mentioned.userId) };
  const bare = words.replace(/^@/, '');
  if (USER_ID.test(bare)) return { ok: true, userId: bare, agent: directory.agent(bare) };
  const agents = directory.workspace.agents;
  const byFullName = agents.filter((agent) => agent.name.toLowerCase() === bare.toLowerCase() || compact(agent.name) === compact(bare));
  const candidates = byFullName.length > 0 ? byFullName : agents.filter((agent) => agent.name.split(/\s+/)[0]!.toLowerCase() === bare.toLowerCase());
  const [only] = candidates;
  if (candidates.length === 1 && only) return { ok: true, userId: only.user, agent: only };
  const shown = bare.slice(0, 40);
  if (candidates.length > 1) {
    return { ok: false, reason: `“${shown}” could be ${listOf(candidates)}: mention the one you mean (@name) or type their full name.` };
  }
  return { ok: false, reason: `Nobody called “${shown}” is in the workspace file: mention them (@name) or type their name as it is there.` };
}
