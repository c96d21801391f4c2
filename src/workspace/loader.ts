import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { z } from 'zod';
import { type Workspace, workspaceSchema } from './schema.js';

export type WorkspaceResult = { ok: true; workspace: Workspace } | { ok: false; problems: string[] };

/** `groups[2].id` rather than `groups.2.id`: the path a person can find in their YAML. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, '');
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => `${issuePath(issue.path) || '(file)'}: ${issue.message}`);
}

export function parseWorkspace(yamlText: string): WorkspaceResult {
  let raw: unknown;
  try {
    raw = parse(yamlText);
  } catch (error) {
    return { ok: false, problems: [`(file): not valid YAML: ${(error as Error).message}`] };
  }
  const parsed = workspaceSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, workspace: parsed.data }
    : { ok: false, problems: formatIssues(parsed.error.issues) };
}

export async function loadWorkspaceFile(path: string): Promise<WorkspaceResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`] };
  }
  return parseWorkspace(text);
}
