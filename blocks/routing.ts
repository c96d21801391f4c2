import type { KnownBlock } from '@slack/types';
import type { RotationMember, RoutingView } from '../src/tickets/routing.js';
import type { RoutingOffer } from '../src/tickets/routing-types.js';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

/** Routing (docs/routing.md): the offer an agent answers, what the group hears, and the lead's view of the rotation. */

function minutesLeft(offer: RoutingOffer, now: Date): number {
  return Math.max(1, Math.round((offer.expiresAt.getTime() - now.getTime()) / 60_000));
}

export function routingOfferText(ticket: Ticket): string {
  return `deskbolt offers you #${ticket.number}: ${escapeMrkdwn(clip(ticket.subject, 150))}`;
}

/**
 * The agent's DM: the ticket's card with Accept / Pass until it is answered; then what happened, in
 * place of the buttons. The card's own buttons are left out: the offer is answered here.
 */
export function routingOfferBlocks(
  offer: RoutingOffer,
  ticket: Ticket,
  card: readonly KnownBlock[],
  now: Date,
  outcome?: string,
): KnownBlock[] {
  const headline = outcome
    ? `:bell: deskbolt offered you *#${ticket.number}*`
    : `:bell: deskbolt offers you *#${ticket.number}*: accept it within ${minutesLeft(offer, now)} min, or it goes to the next agent.`;
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(headline) },
    ...card.filter((block) => block.type !== 'actions').slice(0, 45),
  ];
  if (outcome) {
    blocks.push({ type: 'context', elements: [mrkdwn(outcome)] });
    return blocks;
  }
  blocks.push({
    type: 'actions',
    block_id: `routing_${offer.id}`.slice(0, 255),
    elements: [
      { type: 'button', action_id: actionIds.acceptOffer, text: plain('Accept'), style: 'primary', value: offer.id },
      { type: 'button', action_id: actionIds.passOffer, text: plain('Pass'), value: offer.id },
    ],
  });
  return blocks;
}

/** To the group's channel, once per round: everyone online was offered it and nobody took it. */
export function nobodyAcceptedText(ticket: Ticket, offered: number): string {
  return `:hourglass: Nobody accepted #${ticket.number} (${escapeMrkdwn(clip(ticket.subject, 150))}): offered to ${offered} online agent(s) in turn. It waits in the queue: \`/ticket take ${ticket.number}\`.`;
}

function memberLine(member: RotationMember): string {
  const why =
    member.cap === 0
      ? 'out of the rotation (cap 0)'
      : member.availability !== 'online'
        ? member.availability
        : member.load >= member.cap
          ? `at the cap (${member.load}/${member.cap})`
          : `${member.load}/${member.cap} open`;
  return `${member.inRotation ? ':large_green_circle:' : ':white_circle:'} <@${member.agent}> — ${why}`;
}

/** `/ticket routing GROUP show` (and the answer to on/off): the mode, where it comes from, and who is in the rotation. */
export function routingViewText(view: RoutingView): string {
  const name = escapeMrkdwn(view.group.name);
  const lines = [
    view.mode === 'off'
      ? `Routing for ${name} is *off*.`
      : `Routing for ${name} is *on*: \`${view.mode}\`, offers wait ${view.settings.offerTimeoutMinutes} min.`,
    view.switched
      ? `Switched ${view.switched.on ? 'on' : 'off'} by <@${view.switched.by}>: this overrides the workspace file's \`${view.fileMode}\` until switched again.`
      : 'As the workspace file says.',
  ];
  if (view.offeredNow > 0)
    lines.push(
      `Offered ${view.offeredNow} waiting ticket${view.offeredNow === 1 ? '' : 's'} now, urgent and oldest first.`,
    );
  const inRotation = view.members.filter((member) => member.inRotation).length;
  lines.push(`In the rotation now: ${inRotation} of ${view.members.length}.`);
  lines.push(...view.members.slice(0, 40).map(memberLine));
  return lines.join('\n');
}
