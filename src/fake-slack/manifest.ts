import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { projectRoot } from '../project-root.js';

// The app's manifest decides how Slack delivers a slash command's text (`should_escape`), so the
// simulator reads the same file a team installs instead of a second copy of the setting.
const MANIFEST_URL = pathToFileURL(join(projectRoot(), 'manifest.yml'));

interface ManifestCommand {
  command?: unknown;
  should_escape?: unknown;
}

let escapes: Map<string, boolean> | undefined;

/** Whether Slack escapes mentions, channels and links in this command's text (false when the manifest does not say). */
export function commandShouldEscape(command: string): boolean {
  if (escapes === undefined) {
    const manifest = parse(readFileSync(MANIFEST_URL, 'utf8')) as { features?: { slash_commands?: ManifestCommand[] } };
    escapes = new Map(
      (manifest.features?.slash_commands ?? [])
        .filter((entry) => typeof entry.command === 'string')
        .map((entry) => [entry.command as string, entry.should_escape === true]),
    );
  }
  return escapes.get(command) ?? false;
}

let botScopes: string[] | undefined;

/** The bot scopes manifest.yml asks for: what an installed app's bot token carries. */
export function manifestBotScopes(): string[] {
  if (botScopes === undefined) {
    const manifest = parse(readFileSync(MANIFEST_URL, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown[] } } };
    botScopes = (manifest.oauth_config?.scopes?.bot ?? []).filter(
      (scope): scope is string => typeof scope === 'string',
    );
  }
  return botScopes;
}
