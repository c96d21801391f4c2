import type { TransferState, TransferTarget } from '../chats/types.js';
import type { TicketStatus } from './types.js';

/**
 * Why a person's request was refused, as data: a code and the facts that explain it. Each surface
 * renders it in its own words — Slack in mrkdwn with mentions and escaped quotes, the REST API as
 * plain text with names and an HTTP status — and no code ever reads refusal text back. Wordings
 * live here, once, so a sentence a person relies on ("nobody is available in PayOps right now")
 * reads the same wherever it is shown.
 */
export interface RefusalWords {
  /** A person by Slack id: a mention in Slack, their name elsewhere. */
  person(userId: string): string;
  /** A group of the workspace file, by id: its name. */
  group(groupId: number): string;
  /** Text a person typed, or a name from outside (a file name): shown as text, never as markup. */
  quote(text: string): string;
  /** Something to type, such as a command: code in Slack, as is elsewhere. */
  code(text: string): string;
  /** The workspace's groups, for "there is no such group; these are". */
  groupList(): string;
}

/** 403: not allowed for this person; 404: no such thing; 409: the state says no (try again later or elsewhere); 422: the input is wrong. */
export type RefusalStatus = 403 | 404 | 409 | 422;

interface Rule<F> {
  status: RefusalStatus;
  text(facts: F, words: RefusalWords): string;
}

const rule = <F = Record<string, never>>(
  status: RefusalStatus,
  text: (facts: F, words: RefusalWords) => string,
): Rule<F> => ({ status, text });

type Numbered = { number: number };
type Merged = { number: number; into: number };

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 * 1024
    ? `${(bytes / 1024 / 1024 / 1024).toFixed(1)} GB`
    : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function clockTime(date: Date): string {
  return `${new Date(date).toISOString().slice(11, 16)} UTC`;
}

/** Whom a transfer asks, in the words of a refusal or an offer. */
export function transferTargetText(to: TransferTarget, words: Pick<RefusalWords, 'person' | 'group'>): string {
  if (to.kind === 'agent') return words.person(to.id);
  if (to.kind === 'lead') return `a team lead of ${words.group(Number(to.id))}`;
  return words.group(Number(to.id));
}

const RULES = {
  // ── Who may ────────────────────────────────────────────────────────────────────────────────
  not_an_agent: rule(
    403,
    () =>
      'Sorry — only support agents can work tickets. To ask for help, use `/ticket new` or send me a direct message.',
  ),
  agents_only: rule<{
    action: 'search tickets' | 'see a requester’s profile' | 'read a requester’s original message' | 'add chat notes';
  }>(403, (f) => `Only support agents can ${f.action}.`),
  outside_group: rule<{ number: number; groupId: number }>(
    403,
    (f, w) => `#${f.number} belongs to ${w.group(f.groupId)}, which is not one of your groups.`,
  ),
  not_your_group: rule<{ groupId: number }>(403, (f, w) => `${w.group(f.groupId)} is not one of your groups.`),
  not_your_ticket: rule<Numbered>(403, (f) => `#${f.number} is not one of your tickets.`),

  // ── Which ticket ───────────────────────────────────────────────────────────────────────────
  which_ticket: rule(422, (_f, w) => `Which ticket? Give its number, like ${w.code('#1004')}.`),
  not_a_ticket_number: rule<{ typed: string }>(
    422,
    (f, w) => `“${w.quote(f.typed.slice(0, 40))}” is not a ticket number. Try something like ${w.code('#1004')}.`,
  ),
  no_such_ticket: rule<Numbered>(404, (f) => `There is no ticket #${f.number}.`),
  // A modal whose private_metadata is not what its form writes: opened by an older release, or hand-made.
  form_unreadable: rule(409, () => 'This form can no longer be read: close it and open it again.'),
  /** A group named by id in a form or a body: the input is wrong, so 422 rather than 404. */
  no_such_group: rule<{ groupId: number | string }>(
    422,
    (f, w) => `There is no group with id ${w.quote(String(f.groupId).slice(0, 20))}.`,
  ),
  no_such_group_named: rule<{ typed: string }>(
    404,
    (f, w) => `There is no group “${w.quote(f.typed.slice(0, 40))}”. Groups: ${w.groupList()}.`,
  ),

  // ── Input ──────────────────────────────────────────────────────────────────────────────────
  /** A schema's own message (zod), written for the person already: "at most 150 characters". */
  invalid: rule<{ message: string }>(422, (f) => f.message),
  nothing_to_save: rule(422, () => 'Write a reply or a note, or change the status or the form.'),
  not_a_root_cause: rule<{ value: string }>(
    422,
    (f, w) => `“${w.quote(f.value.slice(0, 40))}” is not one of the root causes.`,
  ),
  not_a_category: rule<{ value: string }>(
    422,
    (f, w) => `“${w.quote(f.value.slice(0, 40))}” is not one of the categories.`,
  ),
  not_a_subcategory: rule<{ value: string; category: string }>(
    422,
    (f, w) => `“${w.quote(f.value.slice(0, 40))}” is not a sub-category of ${w.quote(f.category)}.`,
  ),
  form_needed_to_solve: rule<{ field: 'rootCause' | 'category' | 'subcategory' }>(
    422,
    (f) =>
      `A ${{ rootCause: 'root cause', category: 'category', subcategory: 'sub-category' }[f.field]} is needed to solve the ticket.`,
  ),
  text_too_long: rule<{
    what: 'reply' | 'message' | 'email' | 'comment' | 'shortcut-message';
    length: number;
    max: number;
  }>(422, (f) => {
    if (f.what === 'reply') return `The reply is ${f.length} characters; the limit is ${f.max}.`;
    if (f.what === 'comment') return `The comment is ${f.length} characters; the limit is ${f.max}.`;
    if (f.what === 'email') return `That email is ${f.length} characters; a reply can be at most ${f.max}.`;
    if (f.what === 'shortcut-message')
      return `With the shortcut's text that message is ${f.length} characters; a chat message can be at most ${f.max}.`;
    return `That message is ${f.length} characters; a chat message can be at most ${f.max}.`;
  }),
  reply_empty: rule(422, () => 'The reply is empty.'),
  nothing_to_send: rule(422, () => 'Nothing to send.'),
  note_empty: rule(422, () => 'Write the note.'),
  email_empty: rule(422, () => 'Write the email first.'),
  search_empty: rule(
    422,
    (_f, w) =>
      `Type a ticket number, an email address, words from the ticket, or filters such as ${w.code('status:open')} ${w.code('tag:refund')}.`,
  ),
  search_too_long: rule<{ max: number }>(422, (f) => `Search for at most ${f.max} characters.`),
  not_an_availability: rule<{ typed: string }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.trim().slice(0, 30))}” is not an availability. Use ${w.code('online')}, ${w.code('away')} or ${w.code('offline')}.`,
  ),
  merge_syntax: rule(422, (_f, w) => `Say which into which: ${w.code('/ticket merge 1004 into 1002')}.`),
  merge_which: rule(422, (_f, w) => `Which tickets? Try ${w.code('/ticket merge 1004 into 1002')}.`),
  link_syntax: rule(422, (_f, w) => `Say which to which: ${w.code('/ticket link 1007 to 1003')}.`),
  /** The transfer form sent with no one picked. */
  transfer_target_unpicked: rule(422, () => 'Pick who should take the chat.'),
  transfer_whom: rule(
    422,
    (_f, w) =>
      `Transfer to whom? ${w.code('/ticket transfer N @agent')}, ${w.code('/ticket transfer N lead')} or ${w.code('/ticket transfer N group NAME')}.`,
  ),
  not_agent_or_period: rule<{ typed: string }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.slice(0, 40))}” is neither an agent nor ${w.code('week')}/${w.code('month')}. Try ${w.code('/ticket stats @ana week')}.`,
  ),
  no_such_person: rule<{ typed: string }>(
    422,
    (f, w) =>
      `Nobody called “${w.quote(f.typed.slice(0, 40))}” is a support agent here. Mention them (${w.code('@name')}) or use their name as in the workspace file.`,
  ),
  ambiguous_person: rule<{ typed: string; candidates: string[] }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.slice(0, 40))}” could be ${f.candidates.map((id) => w.person(id)).join(' or ')}; mention the one you mean.`,
  ),

  // ── The ticket's state says no ─────────────────────────────────────────────────────────────
  merged_into: rule<Merged>(409, (f) => `#${f.number} was merged into #${f.into}; work that one instead.`),
  was_merged: rule<Merged>(409, (f) => `#${f.number} was merged into #${f.into}.`),
  closed_is_final: rule<Numbered>(
    409,
    (f) => `#${f.number} is closed, and closed is final. If the requester writes again, a follow-up ticket opens.`,
  ),
  nothing_to_take: rule<{ number: number; status: TicketStatus }>(
    409,
    (f) => `#${f.number} is ${f.status}; there is nothing to take.`,
  ),
  taken_by: rule<{ number: number; agent: string }>(
    409,
    (f, w) => `#${f.number} was taken by ${w.person(f.agent)} a moment ago.`,
  ),
  not_takeable: rule<{ number: number; status: TicketStatus }>(
    409,
    (f) => `#${f.number} cannot be taken while it is ${f.status}.`,
  ),
  queue_empty: rule<{ groupIds: number[] }>(
    409,
    (f, w) => `Nothing is waiting in ${f.groupIds.map((id) => w.group(id)).join(', ')}. Nice work.`,
  ),
  status_is: rule<{ number: number; status: TicketStatus }>(409, (f) => `#${f.number} is ${f.status}.`),
  not_solved: rule<{ number: number; status: TicketStatus }>(409, (f) => `#${f.number} is ${f.status}, not solved.`),
  changed_since_opened: rule<{ number: number; by?: { agent: string; action: string } }>(
    409,
    (f, w) =>
      `#${f.number} changed since you opened it${f.by ? ` (${w.person(f.by.agent)} ${f.by.action.replace('_', ' ')})` : ''}. Nothing was saved: copy your text, reopen the ticket and submit again.`,
  ),
  changed_while_saving: rule<{ number: number; by?: { agent: string; action: string } }>(
    409,
    (f, w) =>
      `#${f.number} changed while saving${f.by ? ` (${w.person(f.by.agent)} ${f.by.action.replace('_', ' ')})` : ''}. Nothing was saved; please try again.`,
  ),
  changed_meanwhile: rule<{ number: number; doing?: 'escalating' }>(
    409,
    (f) => `#${f.number} changed meanwhile; look at it again${f.doing ? ` before ${f.doing}` : ''}.`,
  ),
  changing_too_quickly: rule<Numbered>(
    409,
    (f) => `#${f.number} is changing too quickly to add the reply; please send it again.`,
  ),
  solved_reopen_first: rule<Numbered>(409, (f) => `#${f.number} is solved; reopen it with a reply before escalating.`),
  already_in_group: rule<{ number: number; groupId: number }>(
    409,
    (f, w) => `#${f.number} is already in ${w.group(f.groupId)} (${f.groupId}).`,
  ),
  no_survey: rule<Numbered>(404, (f) => `#${f.number} has no survey for that solve.`),

  // ── Merges and problems ────────────────────────────────────────────────────────────────────
  merge_into_itself: rule<Numbered>(422, (f) => `#${f.number} cannot be merged into itself.`),
  target_merged: rule<Merged>(409, (f) => `#${f.number} was itself merged into #${f.into}; merge into that one.`),
  target_closed: rule<Numbered>(
    409,
    (f) => `#${f.number} is closed, and a closed ticket takes nothing more. Merge into an open one.`,
  ),
  merge_cycle: rule<Merged>(
    409,
    (f) => `#${f.number} is being merged into #${f.into}; merging the other way would make a cycle.`,
  ),
  target_merging: rule<Merged>(409, (f) => `#${f.number} is being merged into #${f.into}; merge into that one.`),
  source_merged: rule<Merged>(409, (f) => `#${f.number} was already merged into #${f.into}.`),
  source_merging: rule<Merged>(409, (f) => `#${f.number} is being merged into #${f.into}.`),
  source_closed: rule<Numbered>(409, (f) => `#${f.number} is closed, and closed is final.`),
  source_receiving: rule<{ number: number; from: number }>(
    409,
    (f) => `#${f.from} is being merged into #${f.number} right now; #${f.number} can be merged away once that is done.`,
  ),
  problem_and_incident: rule<{ number: number; problemOf: number }>(
    409,
    (f) => `#${f.number} is an incident of #${f.problemOf}; a ticket is a problem or an incident, not both.`,
  ),
  incident_of_itself: rule(422, () => 'A ticket cannot be an incident of itself.'),
  problem_not_incident: rule<Numbered>(409, (f) => `#${f.number} is itself a problem; link its incidents instead.`),
  already_a_problem: rule<{ number: number; by?: string }>(
    409,
    (f, w) =>
      `#${f.number} is already a problem${f.by ? ` (marked by ${w.person(f.by)})` : ''}; nothing changed. Link its incidents with ${w.code(`/ticket link N to ${f.number}`)}.`,
  ),

  // ── Assignment ─────────────────────────────────────────────────────────────────────────────
  assign_whom: rule(422, (_f, w) => `Assign to whom? ${w.code('/ticket assign 1004 @ben')}.`),
  /** The assign form sent with no one picked. */
  assignee_unpicked: rule(422, () => 'Pick who should get it.'),
  reassign_syntax: rule(
    422,
    (_f, w) =>
      `Say whose tickets, and to whom: ${w.code('/ticket reassign @ana @ben')}, or ${w.code('/ticket reassign @ana queue')}.`,
  ),
  assign_not_allowed: rule<{ number: number; groupId: number }>(
    403,
    (f, w) =>
      `Only a team lead of ${w.group(f.groupId)} or an admin assigns #${f.number}. If it is yours, you can hand it over: ${w.code(`/ticket assign ${f.number} @colleague`)}.`,
  ),
  release_not_allowed: rule<{ number: number; groupId: number; agent: string }>(
    403,
    (f, w) =>
      `Only ${w.person(f.agent)}, who has #${f.number}, or a team lead of ${w.group(f.groupId)} can release it.`,
  ),
  assignee_not_an_agent: rule<{ person: string }>(
    422,
    (f, w) => `${w.person(f.person)} is not a support agent, so no ticket can go to them.`,
  ),
  not_in_group: rule<{ number: number; person: string; groupId: number }>(
    422,
    (f, w) => `${w.person(f.person)} is not an agent of ${w.group(f.groupId)}, so #${f.number} cannot go to them.`,
  ),
  already_assigned_to: rule<{ number: number; agent: string }>(
    409,
    (f, w) => `#${f.number} is already ${w.person(f.agent)}'s.`,
  ),
  not_assigned: rule<Numbered>(409, (f) => `#${f.number} is not assigned to anyone; there is nothing to release.`),
  not_assignable: rule<{ number: number; status: TicketStatus }>(
    409,
    (f) => `#${f.number} is ${f.status}: there is nothing to assign. A reply from the requester reopens it.`,
  ),
  assignment_changed: rule<{ number: number; agent: string | null }>(
    409,
    (f, w) =>
      `#${f.number} changed a moment ago: it is now ${f.agent ? `${w.person(f.agent)}'s` : 'unassigned'}. Nothing was changed; look at it again.`,
  ),
  handoff_to_self: rule(422, () => 'That is you: pick a colleague to hand it to.'),
  live_chat_moves_by_transfer: rule<Numbered>(
    409,
    (f, w) =>
      `#${f.number} is a live chat: the requester is talking to its agent. Move it with a transfer (${w.code(`/ticket transfer ${f.number} @agent`)}), which the other agent accepts.`,
  ),
  handoff_not_yours: rule<{ number: number; agent: string | null }>(
    403,
    (f, w) =>
      `#${f.number} is not yours to hand over${f.agent ? ` (it is ${w.person(f.agent)}'s)` : ' (nobody has it: take it first)'}.`,
  ),
  handoff_waiting: rule<{ number: number; to: string; expiresAt: Date }>(
    409,
    (f, w) =>
      `#${f.number} already has a hand-over request waiting for ${w.person(f.to)} (until ${clockTime(f.expiresAt)}). Wait for the answer, or cancel it first.`,
  ),
  no_such_handoff: rule(404, () => 'There is no such hand-over request.'),
  handoff_not_for_you: rule<{ to: string }>(
    403,
    (f, w) => `This hand-over request is for ${w.person(f.to)}; only they can answer it.`,
  ),
  handoff_answered: rule<{
    number: number;
    state: 'requested' | 'accepted' | 'declined' | 'expired' | 'cancelled';
    by: string | null;
    from: string;
  }>(409, (f, w) => {
    const who = f.by ? ` by ${w.person(f.by)}` : '';
    if (f.state === 'accepted') return `This hand-over of #${f.number} was already accepted${who}; nothing changed.`;
    if (f.state === 'declined') return `This hand-over of #${f.number} was declined${who}; nothing changed.`;
    if (f.state === 'cancelled')
      return `This hand-over of #${f.number} was cancelled${who}; the ticket stayed with ${w.person(f.from)}.`;
    return `This hand-over of #${f.number} expired; the ticket stayed with ${w.person(f.from)}.`;
  }),
  handoff_cancel_not_allowed: rule<{ from: string; groupId: number }>(
    403,
    (f, w) => `Only ${w.person(f.from)}, who asked, or a team lead of ${w.group(f.groupId)} can cancel this request.`,
  ),
  bulk_not_allowed: rule(403, () => 'Only team leads and admins hand over another agent’s tickets.'),
  bulk_same_agent: rule<{ agent: string }>(
    422,
    (f, w) => `Hand ${w.person(f.agent)}'s tickets to someone else, or to ${w.code('queue')}.`,
  ),
  nothing_to_hand_over: rule<{ agent: string }>(
    409,
    (f, w) => `${w.person(f.agent)} has no open or pending tickets in groups you lead: there is nothing to hand over.`,
  ),
  no_such_bulk_move: rule(404, () => 'There is no such hand-over; start again with `/ticket reassign`.'),
  bulk_move_started: rule(409, () => 'This hand-over was already confirmed; it runs once.'),

  // ── Routing (docs/routing.md) ───────────────────────────────────────────────────────────────
  no_such_offer: rule(404, () => 'There is no such offer.'),
  offer_not_for_you: rule<{ number: number; agent: string }>(
    403,
    (f, w) => `This offer of #${f.number} is for ${w.person(f.agent)}; only they can answer it.`,
  ),
  offer_answered: rule<{
    number: number;
    state: 'accepted' | 'passed' | 'expired' | 'offline' | 'cancelled';
  }>(409, (f, w) => {
    if (f.state === 'accepted') return `You already accepted #${f.number}.`;
    if (f.state === 'passed') return `You passed on #${f.number}; it was offered to the next agent.`;
    if (f.state === 'cancelled') return `#${f.number} is no longer offered to you: it was taken or moved meanwhile.`;
    return `This offer of #${f.number} ran out and went to the next agent. It may still be in the queue: ${w.code(`/ticket take ${f.number}`)}.`;
  }),
  routing_syntax: rule(
    422,
    (_f, w) => `Say which group, and on, off or show: ${w.code('/ticket routing Billing on')}.`,
  ),
  routing_leads_only: rule<{ groupId: number }>(
    403,
    (f, w) => `Only a team lead of ${w.group(f.groupId)} or an admin switches its routing or sees its rotation.`,
  ),

  // ── Editing and tags ───────────────────────────────────────────────────────────────────────
  nothing_changed: rule<Numbered>(422, (f) => `Nothing to change on #${f.number}: every field is as it was.`),
  not_a_tag: rule<{ typed: string }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.slice(0, 40))}” is not a tag: use letters, digits and - _ . + / only, like ${w.code('refund')} or ${w.code('vip-2024')}.`,
  ),
  tag_too_long: rule<{ typed: string; max: number }>(
    422,
    (f, w) => `“${w.quote(f.typed.slice(0, 40))}…” is longer than ${f.max} characters, the most a tag can be.`,
  ),
  too_many_tags: rule<{ max: number }>(422, (f) => `A ticket can have at most ${f.max} tags.`),
  which_tags: rule(422, (_f, w) => `Which tags? ${w.code('/ticket tag 1004 refund vip')}.`),
  requester_from_slack: rule<{ requester: string }>(
    422,
    (f, w) => `${w.person(f.requester)} is a Slack user: their name and address come from Slack.`,
  ),
  group_needs_note: rule(422, () => 'Moving it to another group is an escalation: write a note for the other team.'),

  // ── Search ─────────────────────────────────────────────────────────────────────────────────
  not_a_status: rule<{ typed: string }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.slice(0, 40))}” is not a status. Use ${['new', 'open', 'pending', 'solved', 'closed', 'unsolved'].map((s) => w.code(s)).join(', ')}.`,
  ),
  not_a_date: rule<{ typed: string }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.slice(0, 40))}” is not a date: use ${w.code('2026-10-01')}, or how long ago, like ${w.code('7d')}, ${w.code('2w')} or ${w.code('12h')}.`,
  ),
  not_an_order: rule<{ typed: string }>(
    422,
    (f, w) => `“${w.quote(f.typed.slice(0, 40))}” is not an order: use ${w.code('newest')} or ${w.code('oldest')}.`,
  ),
  search_too_many_words: rule<{ max: number }>(
    422,
    (f) => `Search for at most ${f.max} words at once; filters narrow it further.`,
  ),
  not_a_cursor: rule(422, () => 'That page marker is not one of ours: start the list again from its first page.'),

  // ── Macros and shortcuts ───────────────────────────────────────────────────────────────────
  macro_limit: rule<{ limit: number }>(
    409,
    (f) => `You already have ${f.limit} personal macros, the limit. Save over one of yours (same name) instead.`,
  ),
  // ── What admins manage from Slack (docs/admin.md) ─────────────────────────────────────────
  article_gone: rule(
    404,
    () =>
      'That article is no longer in the knowledge base (retired or removed since the form showed it): nothing was linked. Search again for the articles offered now.',
  ),
  admins_only: rule<{ action: string }>(
    403,
    (f) => `Only an admin of the workspace can ${f.action}. Ask one of them, or a lead, to do it for you.`,
  ),
  name_taken: rule<{ kind: 'macro' | 'article'; name: string; where: 'file' | 'slack' | 'retired' }>(
    409,
    (f, w) =>
      `There is already ${f.kind === 'macro' ? 'a macro named' : 'an article titled'} ${w.quote(f.name)} ${
        f.where === 'file'
          ? 'in the workspace file, which wins over Slack: pick another name, or change the file.'
          : f.where === 'retired'
            ? 'among the retired ones (kept for their history): pick another name.'
            : 'managed in Slack: edit that one, or pick another name.'
      }`,
  ),
  edited_meanwhile: rule<{ kind: 'macro' | 'article'; name: string; by: string }>(
    409,
    (f, w) =>
      `${w.person(f.by)} changed the ${f.kind} ${w.quote(f.name)} since you opened it, so yours was not saved (it would have overwritten theirs). Open it again to see their version.`,
  ),
  no_such_managed: rule<{ kind: 'macro' | 'article' }>(
    404,
    (f) =>
      `That ${f.kind} is not one managed in Slack any more (retired, or from the workspace file, which Slack cannot change).`,
  ),
  in_group_already: rule<{ person: string; groupId: number; fromFile: boolean }>(
    409,
    (f, w) =>
      `${w.person(f.person)} is already an agent of ${w.group(f.groupId)}${f.fromFile ? ' (in the workspace file)' : ''}.`,
  ),
  member_from_file: rule<{ person: string; groupId: number }>(
    409,
    (f, w) =>
      `${w.person(f.person)} is in ${w.group(f.groupId)} by the workspace file, which Slack cannot change: remove them there and reload.`,
  ),
  not_a_member: rule<{ person: string; groupId: number }>(
    404,
    (f, w) => `${w.person(f.person)} is not an agent of ${w.group(f.groupId)}.`,
  ),

  no_such_shortcut: rule<{ sigil: string; name: string }>(
    422,
    (f, w) =>
      `There is no shortcut ${w.code(`${f.sigil}${f.name}`)}, so nothing was sent to the requester. See yours and the shared ones with ${w.code('/ticket shortcut list')}.`,
  ),
  not_a_shortcut_name: rule<{ typed: string }>(
    422,
    (f, w) =>
      `“${w.quote(f.typed.trim().slice(0, 40))}” is not a shortcut name: use up to 40 letters, digits, - or _ (not only digits), like ${w.code('refund')}.`,
  ),
  shortcut_without_text: rule(422, (_f, w) => `The shortcut has no text: ${w.code('/ticket shortcut add NAME TEXT')}.`),
  shortcut_text_too_long: rule<{ length: number; max: number }>(
    422,
    (f) => `A shortcut's text is at most ${f.max} characters; this one is ${f.length}.`,
  ),
  shortcut_limit: rule<{ limit: number }>(
    409,
    (f, w) =>
      `You already have ${f.limit} personal shortcuts, the limit. Remove one (${w.code('/ticket shortcut remove NAME')}) or add over one of yours (same name).`,
  ),
  not_your_shortcut: rule<{ sigil: string; name: string }>(
    404,
    (f, w) => `You have no personal shortcut ${w.code(`${f.sigil}${f.name}`)}.`,
  ),

  // ── Chats ──────────────────────────────────────────────────────────────────────────────────
  no_such_chat: rule<{ number?: number }>(404, (f) =>
    f.number === undefined ? 'There is no such chat.' : `There is no chat #${f.number}.`,
  ),
  chat_ended: rule<{
    number: number;
    so?: 'nothing to transfer' | 'nothing to follow' | 'reply on the ticket' | 'already';
  }>(409, (f) => {
    if (f.so === 'already') return `Chat #${f.number} has already ended.`;
    if (f.so === 'reply on the ticket') return `Chat #${f.number} has ended; reply on the ticket instead.`;
    if (f.so) return `Chat #${f.number} has ended; there is ${f.so}.`;
    return `Chat #${f.number} has ended.`;
  }),
  chat_accepted_by: rule<{ number: number; agent: string | null }>(
    409,
    (f, w) => `Chat #${f.number} was accepted by ${f.agent ? w.person(f.agent) : 'someone'} a moment ago.`,
  ),
  chat_changed: rule<Numbered>(409, (f) => `Chat #${f.number} changed a moment ago; look again.`),
  chat_end_not_allowed: rule<{ number: number; agent: string | null; groupId: number }>(
    403,
    (f, w) =>
      `Only the chat's agent${f.agent ? ` (${w.person(f.agent)})` : ''} or a lead of ${w.group(f.groupId)} can end chat #${f.number}.`,
  ),
  chat_agent_only: rule<{ number: number; agent: string | null }>(
    403,
    (f, w) =>
      `Only the chat's agent${f.agent ? ` (${w.person(f.agent)})` : ''} speaks to the requester of chat #${f.number}.`,
  ),
  chat_not_yours: rule<{ number: number; agent: string | null }>(
    403,
    (f, w) => `Chat #${f.number} is not yours to transfer${f.agent ? ` (it is ${w.person(f.agent)}'s)` : ''}.`,
  ),
  takes_no_chats: rule(
    403,
    () =>
      'You work tickets only: the workspace file says you take no chats (chats: false), so chats are not given to you.',
  ),
  chat_is_yours: rule<Numbered>(409, (f) => `Chat #${f.number} is yours; you see it already.`),
  follow_not_allowed: rule<{ number: number; groupId: number }>(
    403,
    (f, w) => `Only a team lead or an agent of ${w.group(f.groupId)} can follow chat #${f.number}.`,
  ),
  not_following: rule<Numbered>(404, (f) => `You are not following chat #${f.number}.`),
  no_email_address: rule<{ requester: string }>(
    409,
    (f, w) =>
      `Slack does not share an email address for ${w.person(f.requester)}, so no email can be sent. Reply in the chat instead.`,
  ),
  no_outbound_webhook: rule(
    409,
    (_f, w) =>
      `This desk sends no email: set ${w.code('SMTP_URL')} (see docs/email.md), or an outbound webhook (${w.code('outboundWebhook')} in the workspace file).`,
  ),
  file_type_refused: rule<{ name: string }>(
    422,
    (f, w) => `“${w.quote(f.name)}” was not passed on: only PDF, PNG, JPEG, GIF and TXT files can be shared in a chat.`,
  ),
  file_too_big: rule<{ name: string; bytes: number }>(
    422,
    (f, w) =>
      `“${w.quote(f.name)}” was not passed on: it is ${(f.bytes / 1024 / 1024).toFixed(1)} MB, and files in a chat can be at most 20 MB.`,
  ),

  // ── Files kept with a ticket (docs/files.md) ───────────────────────────────────────────────
  file_over_limit: rule<{ name: string; bytes: number; maxMb: number }>(
    422,
    (f, w) =>
      `“${w.quote(f.name)}” was not kept: it is ${megabytes(f.bytes)}, and a file can be at most ${f.maxMb} MB. Send a smaller file, or a link to it.`,
  ),
  files_too_many: rule<{ name: string; max: number; more: number }>(
    422,
    (f, w) =>
      `“${w.quote(f.name)}”${f.more > 0 ? ` and ${f.more} more file${f.more === 1 ? '' : 's'} were` : ' was'} not kept: one message can bring at most ${f.max} files. Send the rest in another message.`,
  ),
  ticket_files_full: rule<{ name: string; number: number; maxMb: number }>(
    422,
    (f, w) =>
      `“${w.quote(f.name)}” was not kept: the files of #${f.number} would pass ${f.maxMb} MB together. Ask the agent for another way to share it.`,
  ),
  file_empty: rule<{ name: string }>(422, (f, w) => `“${w.quote(f.name)}” was not kept: it is empty.`),
  file_gone: rule<{ name: string }>(
    409,
    (f, w) =>
      `${f.name ? `“${w.quote(f.name)}”` : 'A file'} was not kept: it was deleted before deskbolt could read it. Share it again if it is still needed.`,
  ),
  file_link_refused: rule(
    403,
    () => 'This download link is not valid for you: open the ticket in Slack for a link of your own.',
  ),
  file_link_expired: rule(403, () => 'This download link has expired: open the ticket in Slack again for a fresh one.'),
  no_such_file: rule<{ id: string }>(404, (f, w) => `There is no file ${w.quote(f.id)}.`),

  // ── Transfers ──────────────────────────────────────────────────────────────────────────────
  queue_only_groups: rule(422, () => 'Only a transfer to a group can wait for the next agent who comes online.'),
  chat_already_yours: rule(409, () => 'The chat is already yours.'),
  target_not_an_agent: rule<{ person: string }>(
    422,
    (f, w) => `${w.person(f.person)} is not a support agent, so the chat cannot go to them.`,
  ),
  target_takes_no_chats: rule<{ person: string }>(
    409,
    (f, w) =>
      `${w.person(f.person)} works tickets only and takes no chats, so the chat was not offered — it stays with you.`,
  ),
  target_offline: rule<{ person: string }>(
    409,
    (f, w) => `${w.person(f.person)} is offline, so the chat was not offered — it stays with you.`,
  ),
  lead_of_own_group: rule<{ groupId: number }>(
    422,
    (f, w) => `A chat goes to a lead of its own group (${w.group(f.groupId)}).`,
  ),
  no_lead_available: rule<{ groupId: number }>(
    409,
    (f, w) => `no team lead of ${w.group(f.groupId)} is available right now — the chat stays with you`,
  ),
  /** Word for word wherever it is shown: support teams learn this sentence. */
  nobody_available: rule<{ groupId: number }>(
    409,
    (f, w) => `nobody is available in ${w.group(f.groupId)} right now — the chat stays with you`,
  ),
  transfer_waiting: rule<{ number: number; to: TransferTarget; from: string; requestedAt: Date; expiresAt: Date }>(
    409,
    (f, w) =>
      `Chat #${f.number} already has a transfer request waiting: to ${transferTargetText(f.to, w)}, asked by ${w.person(f.from)} at ${clockTime(f.requestedAt)}, expiring at ${clockTime(f.expiresAt)}. Wait for the answer, or cancel it with ${w.code(`/ticket transfer cancel ${f.number}`)}.`,
  ),
  no_such_transfer: rule(404, () => 'There is no such transfer request.'),
  not_yours_to_answer: rule<{ to: TransferTarget }>(403, (f, w) => {
    if (f.to.kind === 'agent')
      return `This transfer request is not yours to answer: only ${w.person(f.to.id)} can answer it.`;
    if (f.to.kind === 'lead')
      return `This transfer request is not yours to answer: only a team lead of ${w.group(Number(f.to.id))} can accept it.`;
    return `This transfer request is not yours to answer: only an agent of ${w.group(Number(f.to.id))} can accept it.`;
  }),
  transfer_answered: rule<{ number: number; state: TransferState; by: string | null; from: string; expiresAt: Date }>(
    409,
    (f, w) => {
      const who = f.by ? ` by ${w.person(f.by)}` : '';
      if (f.state === 'accepted')
        return `This transfer of chat #${f.number} was already accepted${who}; nothing changed.`;
      if (f.state === 'declined') return `This transfer of chat #${f.number} was declined${who}; nothing changed.`;
      if (f.state === 'cancelled') return `This transfer of chat #${f.number} was cancelled${who}; nothing changed.`;
      return `This transfer of chat #${f.number} expired at ${clockTime(f.expiresAt)}; the chat stayed with ${w.person(f.from)}.`;
    },
  ),
  transfer_needs_online: rule<Numbered>(
    409,
    (f, w) =>
      `Chat #${f.number} waits for an agent who is online: set yourself online (${w.code('/ticket status online')}), then accept.`,
  ),
  group_transfer_not_declined: rule<{ to: TransferTarget }>(
    409,
    (f, w) =>
      `A request to ${transferTargetText(f.to, w)} is not declined; it waits for an agent there to accept, or expires.`,
  ),
  no_transfer_waiting: rule<Numbered>(404, (f) => `Chat #${f.number} has no transfer request waiting.`),
  cancel_not_allowed: rule<{ from: string; groupId: number }>(
    403,
    (f, w) => `Only ${w.person(f.from)}, who asked, or a lead of ${w.group(f.groupId)} can cancel this request.`,
  ),
} satisfies Record<string, Rule<never>>;

export type RefusalCode = keyof typeof RULES;
export type FactsOf<C extends RefusalCode> = Parameters<(typeof RULES)[C]['text']>[0];

/** A person did something that cannot be done: what, and the facts that explain it. */
export type Refusal = { [C in RefusalCode]: { ok: false; code: C; facts: FactsOf<C> } }[RefusalCode];

type FactsArgument<C extends RefusalCode> = [FactsOf<C>] extends [Record<string, never>] ? [] : [FactsOf<C>];

export function refuse<C extends RefusalCode>(code: C, ...facts: FactsArgument<C>): Refusal {
  return { ok: false, code, facts: (facts[0] ?? {}) as FactsOf<C> } as Refusal;
}

export function isRefusal(value: unknown): value is Refusal {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { ok?: unknown }).ok === false &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** The refusal in a surface's words. */
export function describeRefusal(refusal: Refusal, words: RefusalWords): string {
  const rule = RULES[refusal.code] as Rule<unknown>;
  return rule.text(refusal.facts, words);
}

/** The HTTP status the REST API answers a refusal with. */
export function refusalStatus(refusal: Pick<Refusal, 'code'>): RefusalStatus {
  return RULES[refusal.code].status;
}

export function isRefusalCode(code: string): code is RefusalCode {
  return Object.hasOwn(RULES, code);
}
