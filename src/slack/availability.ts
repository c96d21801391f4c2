import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { AVAILABILITY_BADGE } from '../../blocks/chat.js';
import { actionIds } from '../../blocks/ids.js';
import { availabilityOf, setAvailability } from '../chats/availability.js';
import { AVAILABILITIES } from '../chats/types.js';
import type { Refusal } from '../tickets/desk.js';
import { offerQueuedTransfers } from './chats.js';
import { addSubcommands } from './commands.js';
import { tellEphemeral, type SlackDeps } from './context.js';
import { refreshHome } from './home.js';
import { tellUser } from './shortcuts.js';
import type { Availability } from '../chats/types.js';

/**
 * An agent says they are online, away or offline — by `/ticket status` or the App Home toggle. Both
 * doors lead here, so coming online always brings the chats queued for that moment, and the homes
 * that show the agent (theirs, their leads') always follow.
 */
export async function changeAvailability(
  client: WebClient,
  deps: SlackDeps,
  userId: string,
  wanted: string,
): Promise<{ ok: true; availability: Availability } | Refusal> {
  const before = await availabilityOf(deps.desk, userId);
  const result = await setAvailability(deps.desk, userId, wanted);
  if (!result.ok) return result;
  if (result.availability === 'online' && before !== 'online') await offerQueuedTransfers(client, deps, userId);
  const agent = deps.desk.directory.agent(userId)!;
  const leads = deps.desk.directory.workspace.agents.filter(
    (other) => other.user !== userId && (other.role === 'lead' || other.role === 'admin') && other.groups.some((id) => agent.groups.includes(id)),
  );
  await Promise.all([userId, ...leads.map((lead) => lead.user)].map((user) => refreshHome(client, deps.desk, user, { log: deps.log })));
  return result;
}

addSubcommands({
  status: {
    usage: 'status [online|away|offline]',
    what: 'your chat availability (incoming chats ping online agents only)',
    agentsOnly: true,
    async run({ deps, args, userId, respond, client }) {
      if (!args.trim()) {
        const now = await availabilityOf(deps.desk, userId);
        return tellEphemeral(respond, `You are ${AVAILABILITY_BADGE[now]}. Change it with \`/ticket status online|away|offline\`.`);
      }
      const result = await changeAvailability(client, deps, userId, args);
      await tellEphemeral(respond, result.ok ? `You are now ${AVAILABILITY_BADGE[result.availability]}.` : result.reason);
    },
  },
});

export function registerAvailability(app: App, deps: SlackDeps): void {
  for (const availability of AVAILABILITIES) {
    app.action<BlockAction<ButtonAction>>(`${actionIds.homeAvailability}_${availability}`, async ({ ack, body, client }) => {
      await ack();
      const result = await changeAvailability(client, deps, body.user.id, availability);
      if (!result.ok) await tellUser(client, deps, body.user.id, result.reason);
    });
  }
}
