import { slaAlert } from '../../../blocks/sla.js';
import type { Subscriber, TicketNoticeOf } from '../../events/types.js';
import { slaState } from '../../tickets/sla.js';
import type { NotifierContext } from './context.js';

/**
 * A ticket about to breach is announced once in its group's alert channel, with Take it when nobody
 * has it. A breach is an event (the card and the live message show it); it is announced only when no
 * warning came first (a target too short for the watch to catch it in time).
 */
export function slaNotifier(context: NotifierContext): Subscriber {
  const { desk, outbox } = context;
  async function announce({ ticket, event }: TicketNoticeOf<'sla_warning' | 'sla_breached'>): Promise<void> {
    const group = desk.directory.group(ticket.groupId);
    if (!group) return;
    const state = slaState(ticket, desk.clock(), desk.directory.workspace);
    const clock = event.to.clock === 'firstReply' ? state.firstReply : state.resolution;
    if (!clock) return;
    const alert = slaAlert(ticket, clock, group.name, event.action === 'sla_warning' ? 'warning' : 'breach');
    // Announced once: a warning that matters goes through the delivery queue, retried rather than lost.
    // Keyed by ticket, target and deadline, not by event: two replicas on one FerretDB can both record
    // the same warning (its conditional writes are not atomic across processes), and the queue's
    // unique id lets only one announcement through whatever the lease did.
    const dueAt = 'dueAt' in event.to ? event.to.dueAt : null;
    const deadline = dueAt ? new Date(dueAt).toISOString() : 'over';
    await outbox.post({
      id: `sla-alert:${ticket.number}:${event.to.clock}:${event.to.targetMs}:${deadline}`,
      ticketNumber: ticket.number,
      purpose: event.action === 'sla_warning' ? 'SLA warning' : 'SLA breach',
      place: { kind: 'channel', channel: group.alertChannel },
      text: alert.text,
      blocks: alert.blocks,
    });
  }

  return {
    name: 'slas',
    events: {
      sla_warning: announce,
      async sla_breached(notice) {
        if (!notice.event.to.warned) await announce(notice);
      },
    },
  };
}
