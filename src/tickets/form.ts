import { createHash } from 'node:crypto';
import type { Workspace } from '../workspace/schema.js';
import { type Refusal, refuse } from './refusals.js';
import type { TicketForm } from './types.js';

export type FormField = keyof TicketForm;

export interface FormProblem {
  field: FormField;
  refusal: Refusal;
}

/** Sub-categories follow the category: only those of the chosen category are valid. */
export function subcategoriesOf(workspace: Workspace, category: string | undefined): string[] {
  return workspace.categories.find((entry) => entry.name === category)?.subcategories ?? [];
}

/** Values must be the workspace's own; a solved ticket needs every field the workspace defines. */
export function formProblems(workspace: Workspace, form: TicketForm, solving: boolean): FormProblem[] {
  const problems: FormProblem[] = [];
  const rootCauses = workspace.rootCauses.map((cause) => cause.name);
  const categories = workspace.categories.map((category) => category.name);
  if (form.rootCause !== undefined && rootCauses.length > 0 && !rootCauses.includes(form.rootCause)) {
    problems.push({ field: 'rootCause', refusal: refuse('not_a_root_cause', { value: form.rootCause }) });
  }
  if (form.category !== undefined && !categories.includes(form.category)) {
    problems.push({ field: 'category', refusal: refuse('not_a_category', { value: form.category }) });
  }
  if (
    form.subcategory !== undefined &&
    form.category !== undefined &&
    !subcategoriesOf(workspace, form.category).includes(form.subcategory)
  ) {
    problems.push({
      field: 'subcategory',
      refusal: refuse('not_a_subcategory', { value: form.subcategory, category: form.category }),
    });
  }
  if (solving) {
    for (const field of ['rootCause', 'category', 'subcategory'] as const) {
      const defined = field === 'rootCause' ? rootCauses.length > 0 : categories.length > 0;
      if (!form[field] && defined) problems.push({ field, refusal: refuse('form_needed_to_solve', { field }) });
    }
  }
  return problems;
}

export function sameForm(a: TicketForm, b: TicketForm): boolean {
  return a.rootCause === b.rootCause && a.category === b.category && a.subcategory === b.subcategory;
}

/** The form without empty answers, so "cleared" and "never set" are stored alike. */
export function cleanForm(form: TicketForm): TicketForm {
  const clean: TicketForm = {};
  if (form.rootCause) clean.rootCause = form.rootCause;
  if (form.category) clean.category = form.category;
  if (form.subcategory) clean.subcategory = form.subcategory;
  return clean;
}

/**
 * A short, stable stand-in for a name where a picker needs a value: Slack takes at most 150 characters
 * and no two alike in one menu, whatever the name's length; the same name always gives the same key, so
 * a form opened before a restart still reads right after it.
 */
export function choiceKey(name: string): string {
  return createHash('sha256').update(name).digest('base64url').slice(0, 16);
}

/** A name offered in a picker, with the key its option carries. */
export interface FormChoice {
  key: string;
  name: string;
}

export interface FormChoices {
  rootCauses: FormChoice[];
  categories: (FormChoice & { subcategories: FormChoice[] })[];
}

/** The workspace's root causes, categories and sub-categories as a reply form offers them. */
export function formChoices(workspace: Workspace): FormChoices {
  const choice = (name: string): FormChoice => ({ key: choiceKey(name), name });
  return {
    rootCauses: workspace.rootCauses.map((cause) => choice(cause.name)),
    categories: workspace.categories.map((category) => ({
      ...choice(category.name),
      subcategories: category.subcategories.map(choice),
    })),
  };
}

/** The name a picked key stands for; undefined for a key the workspace no longer has. */
export function chosenName(workspace: Workspace, field: FormField, key: string | undefined): string | undefined {
  if (!key) return undefined;
  const names =
    field === 'rootCause'
      ? workspace.rootCauses.map((cause) => cause.name)
      : field === 'category'
        ? workspace.categories.map((category) => category.name)
        : workspace.categories.flatMap((category) => category.subcategories);
  return names.find((name) => choiceKey(name) === key);
}
