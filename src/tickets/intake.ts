import { createHash } from 'node:crypto';
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

/** A REST create under an Idempotency-Key: a new filing (with its number reserved), a repeat of one filed, or a key used for another request. */
export type IdempotentFiling =
  | { kind: 'new'; reservedNumber: number }
  | { kind: 'repeat'; ticket: Ticket }
  | { kind: 'conflict'; ticketNumber: number | null };

/**
 * Claims a filer's Idempotency-Key for a request: the key remembers the request's fingerprint and the
 * number reserved for it, so a retry finds the ticket it filed (or, if the first attempt died before
 * filing, files it under the same number) and a different request under the same key is refused.
 */
export async function claimIdempotentFiling(
  desk: Desk,
  filer: string,
  idempotencyKey: string,
  request: unknown,
): Promise<IdempotentFiling> {
  const fingerprint = createHash('sha256').update(JSON.stringify(request)).digest('hex');
  const claim = await desk.store.apiRequests.claim(
    `${filer}:${idempotencyKey}`,
    fingerprint,
    () => desk.store.tickets.nextNumber(),
    desk.clock(),
  );
  if (claim.kind === 'conflict') return claim;
  const filed = claim.kind === 'repeat' ? await desk.store.tickets.get(claim.ticketNumber) : null;
  return filed ? { kind: 'repeat', ticket: filed } : { kind: 'new', reservedNumber: claim.ticketNumber };
}
