import { z } from 'zod';
import { ticketEvent } from '../events/ticket-events.js';
import { prioritySchema } from '../workspace/schema.js';
import { type Desk, type Refusal, refuse } from './desk.js';
import type { Actor, Ticket, TicketChannel, TicketSource } from './types.js';

export const SUBJECT_MAX = 150;
export const DESCRIPTION_MAX = 10_000;

/** Text as a person typed it: trimmed, bounded, and never anything but a string (no `{"$gt":""}` objects). */
export const subjectSchema = z
  .string()
  .trim()
  .min(1, 'a subject is required')
  .max(SUBJECT_MAX, `at most ${SUBJECT_MAX} characters`);
export const descriptionSchema = z.string().trim().max(DESCRIPTION_MAX, `at most ${DESCRIPTION_MAX} characters`);

/** A phone number as a person writes it; nothing else (it is shown to agents, so no markup gets in). */
export const phoneSchema = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()./-]{2,39}$/, 'a phone number: digits, spaces and + ( ) . / -');

export const requesterSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('slack'),
    userId: z.string().regex(/^[UW][A-Z0-9]{2,}$/),
    name: z.string().max(120).optional(),
  }),
  z.object({
    kind: z.literal('email'),
    email: z.email().max(254),
    name: z.string().trim().min(1).max(120),
    phone: phoneSchema.optional(),
  }),
]);

export const newTicketSchema = z.object({
  subject: subjectSchema,
  description: descriptionSchema.default(''),
  requester: requesterSchema,
  groupId: z.number().int().positive(),
  priority: prioritySchema.default('normal'),
});

export type NewTicket = z.input<typeof newTicketSchema>;

export interface OpenTicketResult {
  ok: true;
  ticket: Ticket;
}

/** Files a new ticket: number from the counter, status new, unassigned, with its first event. */
export async function openTicket(
  desk: Desk,
  input: NewTicket,
  context: { actor: Actor; channel: TicketChannel; source: TicketSource; reservedNumber?: number },
): Promise<OpenTicketResult | Refusal> {
  const parsed = newTicketSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse('invalid', { message: `${issue.path.join('.') || 'ticket'}: ${issue.message}` });
  }
  const fields = parsed.data;
  if (!desk.directory.group(fields.groupId)) return refuse('no_such_group', { groupId: fields.groupId });
  const now = desk.clock();
  const ticket = await desk.store.tickets.create(
    {
      subject: fields.subject,
      description: fields.description,
      requester: fields.requester,
      status: 'new',
      assignee: null,
      groupId: fields.groupId,
      priority: fields.priority,
      form: {},
      channel: context.channel,
      source: context.source,
      pendingSince: null,
      solvedAt: null,
      closedAt: null,
      mergedInto: null,
    },
    ticketEvent('created', context.actor, now, {
      to: { status: 'new', groupId: fields.groupId, priority: fields.priority },
    }),
    now,
    context.reservedNumber,
  );
  desk.events.ticketChanged(ticket.number);
  return { ok: true, ticket };
}
