import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { App } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { SlackDeps } from '../src/slack/app.js';
import { registerListeners } from '../src/slack/app.js';

/**
 * manifest.yml is what a team installs: a command, shortcut or event the code listens for but the
 * manifest lacks never arrives, and a scope it asks for without need is a question from every
 * security review. These tests hold the manifest to the code, both ways.
 */
interface Manifest {
  features: {
    slash_commands: { command: string }[];
    shortcuts: { callback_id: string; type: string }[];
    app_home?: { home_tab_enabled?: boolean };
  };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string; message_menu_options_url?: string };
  };
}

/** What the app registers, recorded by calling its real registration on a stand-in that only listens. */
function registered(): { commands: Set<string>; shortcuts: Set<string>; events: Set<string>; options: Set<string> } {
  const seen = {
    commands: new Set<string>(),
    shortcuts: new Set<string>(),
    events: new Set<string>(),
    options: new Set<string>(),
  };
  const recorder = new Proxy(
    {},
    {
      get: (_, method: string) => (first: unknown) => {
        if (method === 'command' && typeof first === 'string') seen.commands.add(first);
        if (method === 'shortcut' && typeof first === 'string') seen.shortcuts.add(first);
        if (method === 'event' && typeof first === 'string') seen.events.add(first);
        if (method === 'message') seen.events.add('message');
        if (method === 'options' && typeof first === 'string') seen.options.add(first);
      },
    },
  );
  registerListeners(recorder as App, { desk: {} as SlackDeps['desk'], log: () => undefined });
  return seen;
}

/** The scope each Web API method needs (api.slack.com/methods); methods that need none map to null. */
const METHOD_SCOPES: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.update': 'chat:write',
  'chat.delete': 'chat:write',
  'chat.getPermalink': null,
  'conversations.open': 'im:write',
  'conversations.info': 'channels:read',
  'files.info': 'files:read',
  'files.getUploadURLExternal': 'files:write',
  'files.completeUploadExternal': 'files:write',
  'users.info': 'users:read',
  'users.lookupByEmail': 'users:read.email',
  'views.open': null,
  'views.push': null,
  'views.update': null,
  'views.publish': null,
  'reactions.add': 'reactions:write',
};

const EVENT_SCOPES: Record<string, string | null> = {
  'message.im': 'im:history',
  'message.channels': 'channels:history',
  'message.groups': 'groups:history',
  file_shared: 'files:read',
  app_home_opened: null,
  member_joined_channel: 'channels:read',
};

async function sourceFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('manifest.yml', async () => {
  const manifest = parse(await readFile('manifest.yml', 'utf8')) as Manifest;
  const listeners = registered();

  it('declares exactly the slash commands and shortcuts the app listens for', () => {
    expect(new Set(manifest.features.slash_commands.map((command) => command.command))).toEqual(listeners.commands);
    expect(new Set(manifest.features.shortcuts.map((shortcut) => shortcut.callback_id))).toEqual(listeners.shortcuts);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('gives external selects an options URL exactly when the app loads options', () => {
    // Slack asks for an external select's options at the interactivity's options load URL (message_menu_options_url).
    const url = manifest.settings.interactivity.message_menu_options_url;
    if (listeners.options.size > 0) expect(url).toBe(manifest.settings.interactivity.request_url);
    else expect(url).toBeUndefined();
  });

  it('subscribes to every event the app handles, and to none it ignores', () => {
    const subscribed = manifest.settings.event_subscriptions.bot_events;
    const handled = new Set(subscribed.map((event) => event.split('.')[0]!));
    expect(handled).toEqual(listeners.events);
    if (listeners.events.has('app_home_opened')) expect(manifest.features.app_home?.home_tab_enabled).toBe(true);
  });

  it('asks for the scopes the code’s Web API calls and events need, and no others', async () => {
    const needed = new Set<string>(['commands']);
    const unknown: string[] = [];
    for (const file of await sourceFiles('src')) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(
        /\bclient\.(chat|conversations|files|users|views|reactions)\.([a-zA-Z]+(?:\.[a-zA-Z]+)?)\(/g,
      )) {
        const method = `${match[1]}.${match[2]}`;
        if (!(method in METHOD_SCOPES)) unknown.push(`${method} in ${file}`);
        const scope = METHOD_SCOPES[method];
        if (scope) needed.add(scope);
      }
      // users.info returns a profile's email only with users:read.email.
      if (/profile\??\.email/.test(text)) needed.add('users:read.email');
      // conversations.info on a private channel of the workspace file needs groups:read beside channels:read.
      if (text.includes('conversations.info')) needed.add('groups:read');
      // A message posted under another name and picture needs chat:write.customize (chat.postMessage, "Authorship").
      if (/\bicon_url\b/.test(text)) needed.add('chat:write.customize');
    }
    for (const event of manifest.settings.event_subscriptions.bot_events) {
      expect(event in EVENT_SCOPES, `a known scope for event ${event}`).toBe(true);
      const scope = EVENT_SCOPES[event];
      if (scope) needed.add(scope);
    }
    expect(unknown, 'Web API methods this test has no scope for: add them to METHOD_SCOPES').toEqual([]);
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(needed);
  });
});
