import type { App } from '@slack/bolt';
import { actionIds } from '../../../blocks/ids.js';
import type { SlackDeps } from '../app.js';
import { publishHome } from '../home.js';

/**
 * The channels of the workspace file, checked again when something may have fixed them: the bot was
 * invited somewhere (Slack sends member_joined_channel for the bot too,
 * https://docs.slack.dev/reference/events/member_joined_channel/), or an admin presses "Check channels
 * again" on their Home. A channel found ready gets what it refused meanwhile.
 */
export function registerChannelSetup(app: App, deps: SlackDeps): void {
  app.event('member_joined_channel', async ({ event, context }) => {
    if (!deps.channels || event.user !== context.botUserId) return;
    const uses = deps.channels.usesOf(event.channel);
    if (uses.length > 0) await deps.channels.check(event.channel, uses);
  });

  app.action(actionIds.checkChannels, async ({ ack, body, client }) => {
    await ack();
    if (!deps.channels || deps.desk.directory.agent(body.user.id)?.role !== 'admin') return;
    await deps.channels.checkAll();
    await publishHome(client, deps.desk, body.user.id);
  });
}
