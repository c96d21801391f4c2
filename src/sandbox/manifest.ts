import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../project-root.js';

/** What Slack's client offers a person for this app, read from manifest.yml: its slash commands and shortcuts. */
export interface AppSurfaces {
  commands: { command: string; description: string; usageHint: string }[];
  shortcuts: { name: string; type: 'message' | 'global'; callbackId: string; description: string }[];
}

const manifestSchema = z.object({
  features: z.object({
    slash_commands: z
      .array(
        z.object({
          command: z.string().startsWith('/'),
          description: z.string().default(''),
          usage_hint: z.string().default(''),
        }),
      )
      .default([]),
    shortcuts: z
      .array(
        z.object({
          name: z.string(),
          type: z.enum(['message', 'global']),
          callback_id: z.string(),
          description: z.string().default(''),
        }),
      )
      .default([]),
  }),
});

export const MANIFEST_PATH = join(projectRoot(), 'manifest.yml');

export async function readAppSurfaces(path = MANIFEST_PATH): Promise<AppSurfaces> {
  const parsed = manifestSchema.parse(parse(await readFile(path, 'utf8')));
  return {
    commands: parsed.features.slash_commands.map((entry) => ({
      command: entry.command,
      description: entry.description,
      usageHint: entry.usage_hint,
    })),
    shortcuts: parsed.features.shortcuts.map((entry) => ({
      name: entry.name,
      type: entry.type,
      callbackId: entry.callback_id,
      description: entry.description,
    })),
  };
}
