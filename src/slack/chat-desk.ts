import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { shortcutList } from '../../blocks/chat-desk.js';
import { clip } from '../../blocks/text.js';
import { addShortcut, listShortcuts, removeShortcut, type ShortcutNames } from '../chats/shortcuts.js';
import type { Chat } from '../chats/types.js';
import { addSubcommands } from './commands.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { safely } from './notify.js';

/** What Slack knows of a person (users.info); null when Slack would not say. */
export interface SlackProfile {
  name: string;
  title: string | null;
  timeZone: string | null;
  email: string | null;
}

export async function slackProfile(client: WebClient, deps: SlackDeps, userId: string): Promise<SlackProfile | null> {
  let profile: SlackProfile | null = null;
  await safely(deps.log, 'users.info', async () => {
    const answer = await client.users.info({ user: userId });
    const user = answer.user;
    if (!user) return;
    profile = {
      name: user.real_name || user.profile?.real_name || user.profile?.display_name || user.name || userId,
      title: user.profile?.title || null,
      timeZone: user.tz || null,
      email: user.profile?.email || null,
    };
  });
  return profile;
}

/** `{requester}` from the requester's Slack profile, `{agent}` from the workspace file (Slack's name as a fallback). */
export function slackNames(client: WebClient, deps: SlackDeps, chat: Chat, agentId: string): ShortcutNames {
  return {
    requester: async () => (await slackProfile(client, deps, chat.requester))?.name ?? 'there',
    agent: async () => deps.desk.directory.agent(agentId)?.name ?? (await slackProfile(client, deps, agentId))?.name ?? 'Support',
  };
}

addSubcommands({
  shortcut: {
    usage: 'shortcut add NAME TEXT | list | remove NAME',
    what: 'your chat shortcuts: type #NAME in a chat thread to send its text',
    agentsOnly: true,
    async run({ deps, args, userId, respond }) {
      const [verb = 'list', name = '', ...rest] = args.split(/\s+/);
      const text = args.trim().slice(verb.length).trim().slice(name.length).trim();
      void rest;
      if (verb.toLowerCase() === 'add') {
        const result = await addShortcut(deps.desk, userId, { name, text });
        if (!result.ok) return tellEphemeral(respond, result.reason);
        const sigil = deps.desk.directory.workspace.chat.shortcutSigil;
        return tellEphemeral(respond, `${result.replaced ? 'Replaced' : 'Added'} your shortcut \`${sigil}${result.name}\`. Write it at the start of a chat reply to send its text.`);
      }
      if (verb.toLowerCase() === 'remove') {
        const result = await removeShortcut(deps.desk, userId, name);
        if (!result.ok) return tellEphemeral(respond, result.reason);
        return tellEphemeral(respond, `Removed your shortcut \`${deps.desk.directory.workspace.chat.shortcutSigil}${result.name}\`.`);
      }
      if (verb.toLowerCase() === 'list') {
        const list = await listShortcuts(deps.desk, userId);
        if (!list.ok) return tellEphemeral(respond, list.reason);
        await respond({ response_type: 'ephemeral', text: `${list.personal.length} personal, ${list.shared.length} shared shortcuts`, blocks: shortcutList(list) });
        return;
      }
      await tellEphemeral(respond, `I don't know \`/ticket shortcut ${clip(verb, 30)}\`. Use \`add NAME TEXT\`, \`list\` or \`remove NAME\`.`);
    },
  },
});

export function registerChatDesk(app: App, deps: SlackDeps): void {
  void app;
  void deps;
}
