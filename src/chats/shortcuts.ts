import { type Desk, type Refusal, refuse } from '../tickets/desk.js';
import { agentOrRefusal } from '../tickets/permissions.js';

export const SHORTCUT_NAME = /^[a-z0-9_-]{1,40}$/;
export const SHORTCUT_TEXT_MAX = 3000;

/** The names a shortcut's `{requester}` and `{agent}` are filled with; looked up only when a shortcut is used. */
export interface ShortcutNames {
  requester(): Promise<string>;
  agent(): Promise<string>;
}

export type Expansion =
  /** Not a shortcut: sent as typed. */
  | { ok: true; expanded: false; text: string }
  | { ok: true; expanded: true; text: string; name: string; personal: boolean };

/**
 * The shortcut token a message starts with, if any: the sigil, a name, then the end or a space.
 * Only the start counts. Mid-sentence `#word`s are hashtags and references ("see #1042"), and
 * expanding them would put canned text in the middle of a sentence the agent wrote; refusing them as
 * unknown shortcuts would block ordinary messages. An all-digit token is a ticket or order number, not
 * a shortcut, so `#1042 is refunded` is sent as typed.
 */
export function shortcutToken(desk: Desk, text: string): { name: string; rest: string } | null {
  const sigil = desk.directory.workspace.chat.shortcutSigil;
  const trimmed = text.trim();
  if (!trimmed.startsWith(sigil)) return null;
  // The name ends at a space, a line break or punctuation (`#refund, thanks`); `#a/b` or `#x@y` is no token.
  const match = /^([A-Za-z0-9_-]+)((?:[\s.,!?;:)][\s\S]*)?)$/.exec(trimmed.slice(sigil.length));
  if (!match) return null;
  const name = match[1]!.toLowerCase();
  if (!SHORTCUT_NAME.test(name) || /^\d+$/.test(name)) return null;
  return { name, rest: match[2] ?? '' };
}

/**
 * An agent's words to the requester, with a leading shortcut replaced by its text: the agent's own
 * shortcut of that name first (it shadows a shared one, for its owner only), then the workspace's.
 * Words after the name follow the shortcut's text. An unknown shortcut is refused: nothing is sent.
 */
export async function expandShortcut(
  desk: Desk,
  agentId: string,
  text: string,
  names: ShortcutNames,
): Promise<Expansion | Refusal> {
  const token = shortcutToken(desk, text);
  if (!token) return { ok: true, expanded: false, text };
  const personal = await desk.store.chatDesk.shortcut(agentId, token.name);
  const shared = desk.directory.workspace.chat.shortcuts.find((shortcut) => shortcut.name.toLowerCase() === token.name);
  const found = personal ?? shared;
  const sigil = desk.directory.workspace.chat.shortcutSigil;
  if (!found) {
    return refuse('no_such_shortcut', { sigil, name: token.name });
  }
  let filled = found.text;
  if (filled.includes('{requester}')) filled = filled.replaceAll('{requester}', await names.requester());
  if (filled.includes('{agent}')) filled = filled.replaceAll('{agent}', await names.agent());
  // What follows the name follows the text as written: its space, line break or punctuation included.
  return { ok: true, expanded: true, text: `${filled}${token.rest}`, name: token.name, personal: personal !== null };
}

function nameOrRefusal(desk: Desk, raw: string): { ok: true; name: string } | Refusal {
  const sigil = desk.directory.workspace.chat.shortcutSigil;
  const typed = raw.trim();
  const name = (typed.startsWith(sigil) ? typed.slice(sigil.length) : typed).toLowerCase();
  if (!SHORTCUT_NAME.test(name) || /^\d+$/.test(name)) {
    return refuse('not_a_shortcut_name', { typed: raw });
  }
  return { ok: true, name };
}

/** `/ticket shortcut add NAME TEXT`: a personal shortcut, up to the workspace's limit per agent. */
export async function addShortcut(
  desk: Desk,
  agentId: string,
  input: { name: string; text: string },
): Promise<{ ok: true; name: string; replaced: boolean } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const named = nameOrRefusal(desk, input.name);
  if (!named.ok) return named;
  const text = input.text.trim();
  if (!text) return refuse('shortcut_without_text');
  if (text.length > SHORTCUT_TEXT_MAX)
    return refuse('shortcut_text_too_long', { length: text.length, max: SHORTCUT_TEXT_MAX });
  const limit = desk.directory.workspace.chat.personalShortcutLimit;
  const outcome = await desk.store.chatDesk.saveShortcut(
    { agent: agentId, name: named.name, text, createdAt: desk.clock() },
    limit,
  );
  if (outcome === 'limit') {
    return refuse('shortcut_limit', { limit });
  }
  return { ok: true, name: named.name, replaced: outcome === 'replaced' };
}

export async function removeShortcut(
  desk: Desk,
  agentId: string,
  rawName: string,
): Promise<{ ok: true; name: string } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const named = nameOrRefusal(desk, rawName);
  if (!named.ok) return named;
  if (!(await desk.store.chatDesk.removeShortcut(agentId, named.name))) {
    return refuse('not_your_shortcut', { sigil: desk.directory.workspace.chat.shortcutSigil, name: named.name });
  }
  return { ok: true, name: named.name };
}

export interface ShortcutList {
  ok: true;
  sigil: string;
  limit: number;
  personal: { name: string; text: string }[];
  /** Shared ones, each marked when one of the agent's own shadows it. */
  shared: { name: string; text: string; shadowed: boolean }[];
}

export async function listShortcuts(desk: Desk, agentId: string): Promise<ShortcutList | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const personal = await desk.store.chatDesk.shortcutsOf(agentId);
  const own = new Set(personal.map((shortcut) => shortcut.name));
  const chat = desk.directory.workspace.chat;
  return {
    ok: true,
    sigil: chat.shortcutSigil,
    limit: chat.personalShortcutLimit,
    personal: personal.map(({ name, text }) => ({ name, text })),
    shared: chat.shortcuts.map(({ name, text }) => ({
      name: name.toLowerCase(),
      text,
      shadowed: own.has(name.toLowerCase()),
    })),
  };
}
