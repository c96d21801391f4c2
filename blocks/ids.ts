/** Every action, callback and block id in one place, so a listener and its button cannot drift apart. */
export const actionIds = {
  take: 'ticket_take',
  show: 'ticket_show',
  acceptChat: 'chat_accept',
  endChat: 'chat_end',
  transferChat: 'chat_transfer',
  acceptTransfer: 'transfer_accept',
  declineTransfer: 'transfer_decline',
} as const;

export const callbackIds = {
  newTicket: 'ticket_new',
  createFromMessage: 'ticket_from_message',
  transferChat: 'chat_transfer_modal',
  chatNote: 'chat_note_modal',
} as const;

/** Input blocks of the new-ticket modal: block id and action id alike. */
export const newTicketFields = {
  requester: 'requester',
  subject: 'subject',
  description: 'description',
  group: 'group',
  priority: 'priority',
} as const;

/** The chat transfer modal's inputs. */
export const transferFields = {
  target: 'transfer_target',
} as const;

/** The internal-note modal's input. */
export const chatNoteFields = {
  text: 'chat_note_text',
} as const;
