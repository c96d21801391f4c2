import { slaAlert } from '../../../blocks/sla.js';
import type { Subscriber } from '../../events/types.js';
import { slaState } from '../../tickets/sla.js';
import { fields } from './context.js';
import type { NotifierContext } from './context.js';

/**
 * A ticket about to breach is announced once in its group's alert channel, with Take it when nobody
 * has it. A breach is an event (the card and the live message show it); it is announced only when no
 * warning came first (a target too short for the watch to catch it in time).
 */
export function slaNotifier(context: NotifierContext): Subscriber {
  const { desk, outbox } = context;
  return {
    name: 'slas',
    actions: ['sla_warning', 'sla_breached'],
    async ticket({ ticket, event }) {
      const to = fields(event.to);
      if (event.action === 'sla_breached' && to.warned === true) return;
      const group = desk.directory.group(ticket.groupId);
      if (!group) return;
      const state = slaState(ticket, desk.clock(), desk.directory.workspace);
      const clock = to.clock === 'firstReply' ? state.firstReply : state.resolution;
      if (!clock) return;
      const alert = slaAlert(ticket, clock, group.name, event.action === 'sla_warning' ? 'warning' : 'breach');
      // Announced once: a warning that matters goes through the delivery queue, retried rather than lost.
      await outbox.post({
        id: `${event.id}:sla-alert`,
        ticketNumber: ticket.number,
        purpose: event.action === 'sla_warning' ? 'SLA warning' : 'SLA breach',
        place: { kind: 'channel', channel: group.alertChannel },
        text: alert.text,
        blocks: alert.blocks,
      });
    },
  };
}
