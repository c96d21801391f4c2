import type { KnownBlock } from '@slack/types';
import type { SlaClockState, SlaState } from '../src/tickets/sla.js';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds } from './ids.js';
import { duration } from './stats.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain } from './text.js';

/** SLA time left as people read it: on the card, in the live ticket message, in alerts. */

const CLOCK_NAME = { firstReply: 'first reply', resolution: 'resolution' } as const;

export function slaClockText(clock: SlaClockState): string {
  const name = CLOCK_NAME[clock.clock];
  switch (clock.status) {
    case 'breached':
      return `:rotating_light: ${name} *breached* (over by ${duration(-clock.remainingMs)})`;
    case 'met':
      return `:white_check_mark: ${name} met (${duration(clock.elapsedMs)} of ${duration(clock.targetMs)})`;
    case 'paused':
      return `:double_vertical_bar: ${name} paused while pending (${duration(clock.remainingMs)} left)`;
    case 'at_risk':
      return `:hourglass: ${name} due in *${duration(clock.remainingMs)}*`;
    default:
      return `${name} due in ${duration(clock.remainingMs)}`;
  }
}

/** One line for both clocks, or null when the ticket's priority has no targets. */
export function slaLine(state: SlaState): string | null {
  const clocks = [state.firstReply, state.resolution].filter((clock): clock is SlaClockState => clock !== null);
  if (clocks.length === 0) return null;
  return `:stopwatch: *SLA* · ${clocks.map(slaClockText).join(' · ')}`;
}

/** Posted once in the group's alert channel when a ticket is about to breach (or breached unannounced). */
export function slaAlert(
  ticket: Ticket,
  clock: SlaClockState,
  groupName: string,
  kind: 'warning' | 'breach',
): { text: string; blocks: KnownBlock[] } {
  const name = CLOCK_NAME[clock.clock];
  const what =
    kind === 'warning'
      ? `will breach its ${name} target in ${duration(clock.remainingMs)}`
      : `breached its ${name} target (over by ${duration(-clock.remainingMs)})`;
  const text = `#${ticket.number} ${what}: ${escapeMrkdwn(clip(ticket.subject, 150))}`;
  const owner = ticket.assignee ? `with <@${ticket.assignee}>` : '*unassigned*';
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `${kind === 'warning' ? ':hourglass:' : ':rotating_light:'} *#${ticket.number}* ${what}\n*${escapeMrkdwn(clip(ticket.subject, 150))}* · ${escapeMrkdwn(groupName)} · ${PRIORITY_BADGE[ticket.priority]} · ${owner}`,
      ),
    },
    {
      type: 'actions',
      elements: [
        ...(ticket.assignee
          ? []
          : [
              {
                type: 'button' as const,
                action_id: actionIds.take,
                text: plain('Take it'),
                value: String(ticket.number),
                style: 'primary' as const,
              },
            ]),
        { type: 'button', action_id: actionIds.show, text: plain('Open'), value: String(ticket.number) },
      ],
    },
  ];
  return { text, blocks };
}
