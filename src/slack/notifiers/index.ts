import type { Subscriber } from '../../events/types.js';
import { assignmentNotifier } from './assignments.js';
import { chatNotifier } from './chats.js';
import type { NotifierContext } from './context.js';
import { digestNotifier } from './digests.js';
import { homeNotifier } from './homes.js';
import { reminderNotifier } from './reminders.js';
import { requesterNotifier } from './requesters.js';
import { routingNotifier } from './routing.js';
import { slaNotifier } from './slas.js';
import { surveyNotifier } from './surveys.js';
import { ticketMessageNotifier } from './ticket-messages.js';
import { transferNotifier } from './transfers.js';

export type { NotifierContext };

/** Everyone who is told anything in Slack, one notifier per concern. */
export function slackNotifiers(context: NotifierContext): Subscriber[] {
  return [
    ticketMessageNotifier(context),
    requesterNotifier(context),
    surveyNotifier(context),
    chatNotifier(context),
    transferNotifier(context),
    homeNotifier(context),
    digestNotifier(context),
    assignmentNotifier(context),
    slaNotifier(context),
    reminderNotifier(context),
    routingNotifier(context),
  ];
}
