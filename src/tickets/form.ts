import type { Workspace } from '../workspace/schema.js';
import { refuse, type Refusal } from './refusals.js';
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
  if (form.subcategory !== undefined && form.category !== undefined && !subcategoriesOf(workspace, form.category).includes(form.subcategory)) {
    problems.push({ field: 'subcategory', refusal: refuse('not_a_subcategory', { value: form.subcategory, category: form.category }) });
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
