import type { Workspace } from '../workspace/schema.js';
import type { TicketForm } from './types.js';

export type FormField = keyof TicketForm;

export interface FormProblem {
  field: FormField;
  message: string;
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
    problems.push({ field: 'rootCause', message: `“${form.rootCause.slice(0, 40)}” is not one of the root causes.` });
  }
  if (form.category !== undefined && !categories.includes(form.category)) {
    problems.push({ field: 'category', message: `“${form.category.slice(0, 40)}” is not one of the categories.` });
  }
  if (form.subcategory !== undefined && form.category !== undefined && !subcategoriesOf(workspace, form.category).includes(form.subcategory)) {
    problems.push({ field: 'subcategory', message: `“${form.subcategory.slice(0, 40)}” is not a sub-category of ${form.category}.` });
  }
  if (solving) {
    if (!form.rootCause && rootCauses.length > 0) problems.push({ field: 'rootCause', message: 'A root cause is needed to solve the ticket.' });
    if (!form.category && categories.length > 0) problems.push({ field: 'category', message: 'A category is needed to solve the ticket.' });
    if (!form.subcategory && categories.length > 0) problems.push({ field: 'subcategory', message: 'A sub-category is needed to solve the ticket.' });
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
