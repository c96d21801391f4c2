/** Every action, callback and block id in one place, so a listener and its button cannot drift apart. */
export const actionIds = {
  take: 'ticket_take',
  show: 'ticket_show',
  rateGood: 'csat_good',
  rateBad: 'csat_bad',
  homeSearch: 'home_search',
  homeAvailable: 'home_available',
  homeAway: 'home_away',
  homeOpen: 'home_open_ticket',
} as const;

export const callbackIds = {
  newTicket: 'ticket_new',
  createFromMessage: 'ticket_from_message',
  satisfactionComment: 'csat_comment',
} as const;

/** Input of the satisfaction comment modal: block id and action id alike. */
export const satisfactionFields = {
  comment: 'csat_comment_text',
} as const;

/** Input blocks of the new-ticket modal: block id and action id alike. */
export const newTicketFields = {
  requester: 'requester',
  subject: 'subject',
  description: 'description',
  group: 'group',
  priority: 'priority',
} as const;
