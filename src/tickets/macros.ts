import { z } from 'zod';
import { refuse, type Desk, type Refusal } from './desk.js';
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
    ...personal.map((macro): MacroChoice => ({
      id: `p:${choiceKey(macro.name)}`,
      name: macro.name,
      text: macro.text,
      public: macro.public,
      ...(macro.status ? { status: macro.status } : {}),
      ...(macro.form ? { form: macro.form } : {}),
      personal: true,
    })),
    ...desk.directory.workspace.macros.map((macro): MacroChoice => ({ id: `s:${choiceKey(macro.name)}`, ...macro, personal: false })),
  ];
}

export async function findMacro(desk: Desk, agentId: string, id: string): Promise<MacroChoice | null> {
  return (await macrosFor(desk, agentId)).find((macro) => macro.id === id) ?? null;
}

export const personalMacroSchema = z.object({
  name: z.string().trim().min(1, 'Give the macro a name.').max(MACRO_NAME_MAX, `A macro name is at most ${MACRO_NAME_MAX} characters.`),
  text: z.string().trim().min(1, 'The macro has no text.').max(MACRO_TEXT_MAX, `A macro's text is at most ${MACRO_TEXT_MAX} characters.`),
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

export async function savePersonalMacro(desk: Desk, agentId: string, input: z.input<typeof personalMacroSchema>): Promise<SavedMacro | MacroRefusal> {
  const allowed = agentOrRefusal(desk, agentId);
  if (!allowed.ok) return allowed;
  const parsed = personalMacroSchema.safeParse(input);
  if (!parsed.success) return { ...refuse('invalid', { message: parsed.error.issues[0]!.message }), field: parsed.error.issues[0]!.path[0] === 'text' ? 'text' : 'name' };
  const limit = desk.directory.workspace.settings.personalMacroLimit;
  const { status, ...macro } = parsed.data;
  const outcome = await desk.store.macros.save({ agent: agentId, ...macro, ...(status ? { status } : {}), createdAt: desk.clock() }, limit);
  if (outcome === 'limit') {
    return { ...refuse('macro_limit', { limit }), field: 'name' };
  }
  return { ok: true, name: macro.name, replaced: outcome === 'replaced' };
}
