/** Every action, callback and block id in one place, so a listener and its button cannot drift apart. */
export const actionIds = {
  take: 'ticket_take',
  show: 'ticket_show',
  reply: 'ticket_reply',
  note: 'ticket_note',
  macro: 'ticket_macro',
  solve: 'ticket_solve',
  merge: 'ticket_merge',
  escalate: 'ticket_escalate',
  problem: 'ticket_problem',
  link: 'ticket_link_incident',
  acceptChat: 'chat_accept',
  endChat: 'chat_end',
  requeueChat: 'chat_requeue',
  transferChat: 'chat_transfer',
  acceptTransfer: 'transfer_accept',
  declineTransfer: 'transfer_decline',
  rateGood: 'csat_good',
  rateBad: 'csat_bad',
  homeSearch: 'home_search',
  checkChannels: 'home_check_channels',
  homeAvailability: 'home_availability',
  homeOpen: 'home_open_ticket',
  followChat: 'chat_follow',
  unfollowChat: 'chat_unfollow',
  queueTransfer: 'transfer_queue',
  keepChat: 'transfer_keep',
  requesterProfile: 'chat_requester_profile',
  viewOriginal: 'ticket_view_original',
  viewOriginalBack: 'ticket_view_original_back',
  emailDuringChat: 'chat_email_reply',
  assign: 'ticket_assign',
  handoff: 'ticket_handoff',
  release: 'ticket_release',
  acceptHandoff: 'handoff_accept',
  declineHandoff: 'handoff_decline',
  cancelHandoff: 'handoff_cancel',
  edit: 'ticket_edit',
  searchMore: 'ticket_search_more',
  linkToProblem: 'ticket_link_to_problem',
  history: 'ticket_history',
  conversation: 'ticket_conversation',
  fullText: 'comment_full_text',
  whichTicket: 'requester_which_ticket',
  chatTopic: 'requester_chat_topic',
  endAndSolve: 'chat_end_and_solve',
  acceptOffer: 'routing_accept',
  passOffer: 'routing_pass',
} as const;

export const callbackIds = {
  newTicket: 'ticket_new',
  createFromMessage: 'ticket_from_message',
  reply: 'ticket_reply_modal',
  mergePick: 'ticket_merge_pick',
  mergeConfirm: 'ticket_merge_confirm',
  escalate: 'ticket_escalate_modal',
  macroSave: 'ticket_macro_save',
  linkIncident: 'ticket_link_modal',
  transferChat: 'chat_transfer_modal',
  chatNote: 'chat_note_modal',
  satisfactionComment: 'csat_comment',
  requesterProfile: 'requester_profile_modal',
  originalMessage: 'original_message_modal',
  chatEmail: 'chat_email_modal',
  assign: 'ticket_assign_modal',
  bulkMove: 'ticket_bulk_move_confirm',
  edit: 'ticket_edit_modal',
  conversation: 'ticket_conversation_modal',
} as const;

/** Input of the satisfaction comment modal: block id and action id alike. */
export const satisfactionFields = {
  comment: 'csat_comment_text',
} as const;

/**
 * Elements of the reply modal, by action id. Input blocks carry the action id plus a revision
 * (`text__2`): Slack keeps what a person typed in a block it already showed, so a macro's text
 * reaches the field only in a block with a new id.
 */
export const replyFields = {
  macro: 'reply_macro',
  linkArticle: 'reply_link_article',
  kind: 'reply_kind',
  text: 'reply_text',
  rootCause: 'reply_root_cause',
  category: 'reply_category',
  subcategory: 'reply_subcategory',
  status: 'reply_status',
  saveAsMacro: 'reply_save_macro',
  /** The knowledge-base search: an external select whose options load as the agent types. */
  kbSearch: 'reply_kb_search',
  /** Files sent with the reply (a Block Kit file_input): to the requester with a public reply, kept with the ticket either way. */
  files: 'reply_files',
} as const;

export const mergeFields = { target: 'merge_target' } as const;
export const assignFields = { agent: 'assign_agent' } as const;
/** The edit form's inputs: block id and action id alike. */
export const editFields = {
  subject: 'edit_subject',
  priority: 'edit_priority',
  tags: 'edit_tags',
  group: 'edit_group',
  note: 'edit_note',
  requesterName: 'edit_requester_name',
  requesterEmail: 'edit_requester_email',
} as const;
export const linkFields = { problem: 'link_problem' } as const;
export const escalationFields = { group: 'escalate_group', note: 'escalate_note' } as const;
export const macroSaveFields = { name: 'macro_name', text: 'macro_text', kind: 'macro_kind' } as const;

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

/** The email-during-a-chat modal's input. */
export const chatEmailFields = {
  text: 'chat_email_text',
} as const;

/** What admins manage from Slack (docs/admin.md): the lists' callbacks, their buttons, and the forms' inputs. */
export const adminDeskIds = {
  macros: 'admin_macros',
  articles: 'admin_articles',
  members: 'admin_members',
  macroForm: 'admin_macro_form',
  articleForm: 'admin_article_form',
  /** Value: the kind (macro or article). */
  newEntry: 'admin_entry_new',
  /** Value: `kind:id:version`, the version the admin saw (an edit since is refused). */
  editEntry: 'admin_entry_edit',
  retireEntry: 'admin_entry_retire',
  /** Value: `groupId:user`. */
  removeMember: 'admin_member_remove',
} as const;

/** Inputs of the admin forms: block id and action id alike. */
export const adminDeskFields = {
  name: 'admin_macro_name',
  text: 'admin_macro_text',
  kind: 'admin_macro_kind',
  title: 'admin_article_title',
  url: 'admin_article_url',
  summary: 'admin_article_summary',
  keywords: 'admin_article_keywords',
  member: 'admin_member_add',
} as const;
