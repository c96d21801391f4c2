import { z } from 'zod';
import { type Desk, type Refusal, refuse } from './desk.js';
import { choiceKey } from './form.js';
import { agentOrRefusal } from './permissions.js';
import type { TicketForm } from './types.js';

export const MACRO_NAME_MAX = 80;
export const MACRO_TEXT_MAX = 3000;

/** A macro as the picker offers it: the workspace's shared ones and the agent's own. */
export interface MacroChoice {
  /** `p:KEY` for the agent's own, `s:KEY` for shared (KEY from the name, short whatever its length): what the picker's option carries. */
  id: string;
  name: string;
  text: string;
  public: boolean;
  status?: 'open' | 'pending' | 'solved';
  form?: TicketForm;
  personal: boolean;
}

/** Personal first (the agent's own words are what they reach for), then the workspace's. */
export async function macrosFor(desk: Desk, agentId: string): Promise<MacroChoice[]> {
  const personal = await desk.store.macros.ofAgent(agentId);
  return [
    ...personal.map(
      (macro): MacroChoice => ({
        id: `p:${choiceKey(macro.name)}`,
        name: macro.name,
        text: macro.text,
        public: macro.public,
        ...(macro.status ? { status: macro.status } : {}),
        ...(macro.form ? { form: macro.form } : {}),
        personal: true,
      }),
    ),
    ...desk.directory.workspace.macros.map(
      (macro): MacroChoice => ({ id: `s:${choiceKey(macro.name)}`, ...macro, personal: false }),
    ),
  ];
}

/**
 * The macro picker's search as the agent types: macros whose name or text holds every typed word
 * (case-insensitive, any word of either), the agent's own first, then those whose name has the words
 * before those only their text has; the best `limit` (Slack shows at most 100 options per answer).
 */
export function searchMacros(macros: readonly MacroChoice[], typed: string, limit = 100): MacroChoice[] {
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 10);
  return macros
    .map((macro, index) => {
      const name = macro.name.toLowerCase();
      const everything = `${name}\n${macro.text.toLowerCase()}`;
      const found = words.every((word) => everything.includes(word));
      const inName = words.filter((word) => name.includes(word)).length;
      return {
        macro,
        index,
        found,
        rank: (macro.personal ? 0 : 2) + (words.length > 0 && inName === words.length ? 0 : 1),
        inName,
      };
    })
    .filter((entry) => entry.found)
    .sort((a, b) => a.rank - b.rank || b.inName - a.inName || a.index - b.index)
    .slice(0, limit)
    .map((entry) => entry.macro);
}

const NO_SUCH_MACRO = 'You have no personal macro of that name (names are exact, as the picker shows them).';

/** `/ticket macro delete NAME`: the agent's own macro of that name, gone. */
export async function deletePersonalMacro(desk: Desk, agentId: string, name: string): Promise<{ ok: true } | Refusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  if (!(await desk.store.macros.remove(agentId, name.trim()))) return refuse('invalid', { message: NO_SUCH_MACRO });
  return { ok: true };
}

/** `/ticket macro edit NAME`: the agent's own macro, to fill the save form with. */
export async function personalMacro(desk: Desk, agentId: string, name: string) {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const found = (await desk.store.macros.ofAgent(agentId)).find((macro) => macro.name === name.trim());
  return found ? ({ ok: true, macro: found } as const) : refuse('invalid', { message: NO_SUCH_MACRO });
}

export async function findMacro(desk: Desk, agentId: string, id: string): Promise<MacroChoice | null> {
  return (await macrosFor(desk, agentId)).find((macro) => macro.id === id) ?? null;
}

export const personalMacroSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'Give the macro a name.')
    .max(MACRO_NAME_MAX, `A macro name is at most ${MACRO_NAME_MAX} characters.`),
  text: z
    .string()
    .trim()
    .min(1, 'The macro has no text.')
    .max(MACRO_TEXT_MAX, `A macro's text is at most ${MACRO_TEXT_MAX} characters.`),
  public: z.boolean().default(false),
  status: z.enum(['open', 'pending', 'solved']).optional(),
});

export interface SavedMacro {
  ok: true;
  name: string;
  replaced: boolean;
}

/** `/ticket macro save NAME` or "save as my macro" in the reply modal, up to the workspace's limit per agent. */
/** A refusal names the field of the save form it is about, so it is shown there. */
export type MacroRefusal = Refusal & { field?: 'name' | 'text' };

export async function savePersonalMacro(
  desk: Desk,
  agentId: string,
  input: z.input<typeof personalMacroSchema>,
): Promise<SavedMacro | MacroRefusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const parsed = personalMacroSchema.safeParse(input);
  if (!parsed.success)
    return {
      ...refuse('invalid', { message: parsed.error.issues[0]!.message }),
      field: parsed.error.issues[0]!.path[0] === 'text' ? 'text' : 'name',
    };
  const limit = desk.directory.workspace.settings.personalMacroLimit;
  const { status, ...macro } = parsed.data;
  const outcome = await desk.store.macros.save(
    { agent: agentId, ...macro, ...(status ? { status } : {}), createdAt: desk.clock() },
    limit,
  );
  if (outcome === 'limit') {
    return { ...refuse('macro_limit', { limit }), field: 'name' };
  }
  return { ok: true, name: macro.name, replaced: outcome === 'replaced' };
}
