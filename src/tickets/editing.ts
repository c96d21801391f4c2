import { z } from 'zod';
import { ticketEvent } from '../events/ticket-events.js';
import type { TicketChanges } from '../store/tickets.js';
import { prioritySchema } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import { type EscalationResult, escalateTicket } from './escalation.js';
import { subjectSchema } from './intake.js';
import { noSuchTicket, ticketToWork, whyNotWorkable } from './permissions.js';
import type { Actor, NewTicketEvent, Priority, Ticket, TicketStatus } from './types.js';

/**
 * Correcting a ticket: subject, priority, tags, the email requester's address and name, and its group
 * (which is an escalation: the other team gets a note). Each field that changes is one event with
 * from → to, and all of them are one conditional write on the version the agent saw.
 */

export const TAG_MAX = 40;
export const TAGS_PER_TICKET = 20;
/** Kept after an address is corrected, so mail from it still finds the ticket. */
export const PREVIOUS_EMAILS_KEPT = 10;

// Letters and digits of any script, and a few joiners: nothing Slack reads as markup (<>&*_~`), no spaces.
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._+/-]*$/u;

/** "refund, VIP #late" → ["refund", "vip", "late"]; anything that is not a plain word is refused as typed. */
export function parseTags(text: string): { ok: true; tags: string[] } | Refusal {
  const words = text.split(/[\s,]+/).filter(Boolean);
  const tags: string[] = [];
  for (const word of words) {
    const tag = word.replace(/^#/, '').toLowerCase();
    if (tag.length > TAG_MAX) return refuse('tag_too_long', { typed: word, max: TAG_MAX });
    if (!TAG_PATTERN.test(tag)) return refuse('not_a_tag', { typed: word });
    if (!tags.includes(tag)) tags.push(tag);
  }
  if (tags.length > TAGS_PER_TICKET) return refuse('too_many_tags', { max: TAGS_PER_TICKET });
  return { ok: true, tags };
}

export type EditField = 'subject' | 'priority' | 'tags' | 'group' | 'note' | 'requesterName' | 'requesterEmail';
export type EditRefusal = Refusal & { field?: EditField };

export const ticketEditSchema = z.object({
  subject: subjectSchema.optional(),
  priority: prioritySchema.optional(),
  /** The tags as typed (words separated by spaces or commas): the whole set after the edit. */
  tags: z.string().max(2000, 'at most 2000 characters of tags').optional(),
  groupId: z.number().int().positive().optional(),
  /** Needed when the group changes: the escalation note for the other team. */
  note: z.string().optional(),
  requesterName: z.string().trim().min(1, 'a name is required').max(120, 'at most 120 characters').optional(),
  requesterEmail: z.email('not an email address').max(254, 'at most 254 characters').optional(),
});

/** What a form or body sent, unchecked: the schema decides. */
export type TicketEdit = Partial<Record<keyof z.input<typeof ticketEditSchema>, unknown>>;

export interface EditResult {
  ok: true;
  ticket: Ticket;
  /** The events the edit recorded, by action. */
  changed: NewTicketEvent['action'][];
  escalation: EscalationResult | null;
}

const EDITABLE: readonly TicketStatus[] = ['new', 'open', 'pending', 'solved'];

const FIELD_OF_PATH: Record<string, EditField> = {
  subject: 'subject',
  priority: 'priority',
  tags: 'tags',
  groupId: 'group',
  note: 'note',
  requesterName: 'requesterName',
  requesterEmail: 'requesterEmail',
};

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((tag, index) => tag === b[index]);
}

/** The edit form's submission (or any other door): what differs from the ticket is changed, in one write. */
export async function editTicket(
  desk: Desk,
  request: { number: number; by: string; seenVersion?: number; edit: TicketEdit },
): Promise<EditResult | EditRefusal> {
  const parsed = ticketEditSchema.safeParse(request.edit);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = FIELD_OF_PATH[String(issue.path[0])];
    return {
      ...refuse('invalid', { message: `${issue.message.charAt(0).toUpperCase()}${issue.message.slice(1)}.` }),
      ...(field ? { field } : {}),
    };
  }
  const edit = parsed.data;
  const found = await ticketToWork(desk, request.by, request.number);
  if (!found.ok) return found;
  const ticket = found.ticket;
  const actor: Actor = { kind: 'agent', id: request.by };
  const now = desk.clock();
  const changes: TicketChanges = {};
  const events: NewTicketEvent[] = [];

  if (edit.subject !== undefined && edit.subject !== ticket.subject) {
    changes.subject = edit.subject;
    events.push(
      ticketEvent('subject_changed', actor, now, { from: { subject: ticket.subject }, to: { subject: edit.subject } }),
    );
  }
  if (edit.priority !== undefined && edit.priority !== ticket.priority) {
    changes.priority = edit.priority as Priority;
    events.push(
      ticketEvent('priority_changed', actor, now, {
        from: { priority: ticket.priority },
        to: { priority: edit.priority },
      }),
    );
  }
  if (edit.tags !== undefined) {
    const tags = parseTags(edit.tags);
    if (!tags.ok) return { ...tags, field: 'tags' };
    const before = ticket.tags ?? [];
    if (!sameTags(before, tags.tags)) {
      changes.tags = tags.tags;
      events.push(ticketEvent('tags_changed', actor, now, { from: { tags: before }, to: { tags: tags.tags } }));
    }
  }
  if (edit.requesterEmail !== undefined || edit.requesterName !== undefined) {
    const requester = ticket.requester;
    if (requester.kind === 'slack')
      return { ...refuse('requester_from_slack', { requester: requester.userId }), field: 'requesterEmail' };
    const email = edit.requesterEmail ?? requester.email;
    const name = edit.requesterName ?? requester.name;
    if (email !== requester.email || name !== requester.name) {
      const previousEmails =
        email === requester.email
          ? requester.previousEmails
          : [
              ...(requester.previousEmails ?? []).filter((old) => old !== email && old !== requester.email),
              requester.email,
            ].slice(-PREVIOUS_EMAILS_KEPT);
      changes.requester = { kind: 'email', email, name, ...(previousEmails?.length ? { previousEmails } : {}) };
      events.push(
        ticketEvent('requester_changed', actor, now, {
          from: { email: requester.email, name: requester.name },
          to: { email, name },
        }),
      );
    }
  }
  const moving = edit.groupId !== undefined && edit.groupId !== ticket.groupId;
  if (moving) {
    if (!desk.directory.group(edit.groupId!))
      return { ...refuse('no_such_group', { groupId: edit.groupId! }), field: 'group' };
    if (!edit.note?.trim()) return { ...refuse('group_needs_note'), field: 'note' };
  }
  if (events.length === 0 && !moving) return refuse('nothing_changed', { number: ticket.number });

  let edited = ticket;
  if (events.length > 0) {
    const changed = await desk.store.tickets.change(
      ticket.number,
      { version: request.seenVersion ?? ticket.version, notMerged: true, status: EDITABLE },
      changes,
      events,
      now,
    );
    if (!changed) return { ...(await whyChanged(desk, ticket.number, request.seenVersion)), field: 'subject' };
    edited = changed;
    desk.events.ticketChanged(ticket.number);
  }
  let escalation: EscalationResult | null = null;
  if (moving) {
    // Escalation stays the one way to another group: unassigned, open, with the note for the other team.
    const escalated = await escalateTicket(desk, {
      number: ticket.number,
      agent: request.by,
      groupId: edit.groupId!,
      note: edit.note ?? '',
    });
    if (!escalated.ok) return { ...escalated, field: escalated.field === 'note' ? 'note' : 'group' };
    escalation = escalated;
    edited = escalated.ticket;
  }
  return { ok: true, ticket: edited, changed: events.map((event) => event.action), escalation };
}

async function whyChanged(desk: Desk, number: number, seenVersion: number | undefined): Promise<Refusal> {
  const current = await desk.store.tickets.get(number);
  if (!current) return noSuchTicket(number);
  const unworkable = whyNotWorkable(current);
  if (unworkable) return unworkable;
  return seenVersion !== undefined
    ? refuse('changed_since_opened', { number })
    : refuse('changed_while_saving', { number });
}

const TAG_ATTEMPTS = 3;

/** `/ticket tag N …` and `untag`: adds or removes words, keeping the others; a change made meanwhile is read again. */
export async function changeTags(
  desk: Desk,
  request: { number: number; by: string; add?: string; remove?: string },
): Promise<{ ok: true; ticket: Ticket; tags: string[] } | Refusal> {
  const adding = parseTags(request.add ?? '');
  if (!adding.ok) return adding;
  const removing = parseTags(request.remove ?? '');
  if (!removing.ok) return removing;
  if (adding.tags.length === 0 && removing.tags.length === 0) return refuse('which_tags');
  for (let attempt = 0; attempt < TAG_ATTEMPTS; attempt++) {
    const found = await ticketToWork(desk, request.by, request.number);
    if (!found.ok) return found;
    const before = found.ticket.tags ?? [];
    const after = [
      ...before.filter((tag) => !removing.tags.includes(tag)),
      ...adding.tags.filter((tag) => !before.includes(tag)),
    ];
    if (after.length > TAGS_PER_TICKET) return refuse('too_many_tags', { max: TAGS_PER_TICKET });
    if (sameTags(before, after)) return { ok: true, ticket: found.ticket, tags: before };
    const now = desk.clock();
    const changed = await desk.store.tickets.change(
      request.number,
      { version: found.ticket.version, notMerged: true, status: EDITABLE },
      { tags: after },
      ticketEvent('tags_changed', { kind: 'agent', id: request.by }, now, {
        from: { tags: before },
        to: { tags: after },
      }),
      now,
    );
    if (changed) {
      desk.events.ticketChanged(request.number);
      return { ok: true, ticket: changed, tags: after };
    }
  }
  return refuse('changed_while_saving', { number: request.number });
}
