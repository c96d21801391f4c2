import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { actionIds } from '../../../blocks/ids.js';
import { routingViewText } from '../../../blocks/routing.js';
import { refuse } from '../../tickets/refusals.js';
import { acceptOffer, passOffer, routingCommand } from '../../tickets/routing.js';
import { cardView } from '../../tickets/views.js';
import { cardBlocks } from '../screens.js';
import { askerOfClick, type ButtonArgs, type ListenerDeps, type Subcommand } from './answers.js';

const ACTIONS = ['on', 'off', 'show'] as const;

/** `/ticket routing GROUP on|off|show`: routed by commands.ts with the rest. */
export const routingSubcommands: [string, Subcommand][] = [
  [
    'routing',
    {
      usage: 'routing GROUP on|off|show',
      what: 'leads: turn a group’s automatic offers on or off, and see who is in the rotation',
      agentsOnly: true,
      leadsOnly: true,
      async run({ desk, args, userId, asker }) {
        const words = args.split(/\s+/).filter(Boolean);
        const last = words.at(-1)?.toLowerCase();
        const action = ACTIONS.find((known) => known === last);
        if (!action || words.length < 2) return asker.refuse(refuse('routing_syntax'));
        const view = await routingCommand(desk, { by: userId, groupText: words.slice(0, -1).join(' '), action });
        if (!view.ok) return asker.refuse(view);
        const text = routingViewText(view);
        await asker.say(text);
      },
    },
  ],
];

/** Accept: the ticket is theirs (as Take it), and they get its card; the offer's DM is updated by the notifier. */
async function offerAccepted(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const userId = args.body.user.id;
  const result = await acceptOffer(deps.desk, { offerId: args.action.value ?? '', by: userId });
  const asker = askerOfClick(deps, args);
  if (!result.ok) return asker.refuse(result);
  const card = await cardView(deps.desk, result.ticket.number, userId, result);
  await asker.say(`You took #${result.ticket.number}.`, card.ok ? cardBlocks(deps.desk, card) : undefined);
}

async function offerPassed(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const result = await passOffer(deps.desk, { offerId: args.action.value ?? '', by: args.body.user.id });
  if (!result.ok) return askerOfClick(deps, args).refuse(result);
}

/** The offer's buttons. */
export function registerRouting(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(actionIds.acceptOffer, (args) => offerAccepted(deps, args));
  app.action<BlockAction<ButtonAction>>(actionIds.passOffer, (args) => offerPassed(deps, args));
}
