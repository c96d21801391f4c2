import { z } from 'zod';
import { descriptionSchema, subjectSchema } from '../tickets/intake.js';
import { REPLY_MAX } from '../tickets/requester-reply.js';
import { RATINGS, SATISFACTION_COMMENT_MAX } from '../tickets/satisfaction.js';
import { prioritySchema, ticketStatusSchema } from '../workspace/schema.js';

/**
 * Every body the REST API reads or writes, as zod schemas. Requests are checked by them and the
 * OpenAPI document is generated from them, so the two cannot disagree. Each is registered with the
 * name it has in the document.
 */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

const named = <T extends z.ZodType>(schema: T, id: string, description?: string): T => {
  apiSchemas.add(schema, { id, ...(description ? { description } : {}) });
  return schema;
};

export const emailRequesterSchema = named(
  z
    .object({
      email: z.email().max(254),
      name: z.string().trim().min(1).max(120),
      phone: z
        .string()
        .trim()
        .regex(/^\+?[0-9][0-9 ()./-]{2,39}$/, 'a phone number: digits, spaces and + ( ) . / -')
        .optional(),
    })
    .strict(),
  'EmailRequester',
  'The person the ticket is for, known by email.',
);

export const createTicketBodySchema = named(
  z
    .object({
      subject: subjectSchema,
      description: descriptionSchema.default(''),
      requester: emailRequesterSchema,
      groupId: z
        .number()
        .int()
        .positive()
        .optional()
        .describe('The group to file it in; the first group of the workspace when absent.'),
      priority: prioritySchema.default('normal'),
      channel: z.enum(['email', 'web']).default('web').describe('Where the request came from.'),
    })
    .strict(),
  'CreateTicket',
);

export const commentBodySchema = named(
  z
    .object({ text: z.string().trim().min(1, 'the reply is empty').max(REPLY_MAX, `at most ${REPLY_MAX} characters`) })
    .strict(),
  'RequesterComment',
  'A message from the requester. It reopens a pending or solved ticket; on a closed one it opens a follow-up.',
);

/** The comment part of a multipart reply with files: its words may be none when files come with it. */
export const commentWithFilesSchema = z
  .object({ text: z.string().trim().max(REPLY_MAX, `at most ${REPLY_MAX} characters`).default('') })
  .strict();

export const publicFileSchema = named(
  z.object({
    id: z.string(),
    commentId: z.string().describe('The comment it came with; `opening:<number>` for the files of the request itself.'),
    name: z.string().describe('As its sender named it; shown as text, never used as a path.'),
    size: z.number().int(),
    contentType: z.string().describe('Sniffed from the bytes (not taken from the name or the sender).'),
    sha256: z.string().nullable().describe('Of the bytes; null for a file that lives in Slack.'),
    addedAt: timestamp(),
    inSlack: z
      .boolean()
      .describe(
        'The file lives in Slack (shared there); the others are kept by deskbolt and downloaded from `/tickets/{number}/files/{id}`.',
      ),
  }),
  'File',
  'A file of a ticket’s public comment. Internal notes’ files are never shown through the API.',
);

export const fileOutcomeSchema = named(
  z.object({
    kept: z.array(publicFileSchema),
    refused: z
      .array(z.object({ name: z.string(), refusal: z.string(), message: z.string() }))
      .describe('Files not kept, each with why (over a limit, empty, too many in one request).'),
  }),
  'FileOutcome',
);

export const fileListSchema = named(z.object({ files: z.array(publicFileSchema) }), 'FileList');

export const satisfactionBodySchema = named(
  z
    .object({
      rating: z.enum(RATINGS as [string, ...string[]]),
      comment: z.string().trim().max(SATISFACTION_COMMENT_MAX).optional(),
    })
    .strict(),
  'SatisfactionAnswer',
);

function timestamp() {
  return z.iso.datetime();
}

export const publicCommentSchema = named(
  z.object({
    id: z.string(),
    author: z.object({ kind: z.enum(['agent', 'requester', 'system', 'api']), name: z.string().nullable() }),
    text: z.string(),
    createdAt: timestamp(),
  }),
  'Comment',
  'A public comment. Internal notes are never shown through the API.',
);

export const publicTicketSchema = named(
  z.object({
    number: z.number().int(),
    subject: z.string(),
    description: z.string(),
    status: ticketStatusSchema,
    priority: prioritySchema,
    group: z.object({ id: z.number().int(), name: z.string() }),
    requester: z.union([
      z.object({ kind: z.literal('email'), email: z.string(), name: z.string() }),
      z.object({ kind: z.literal('slack'), name: z.string().nullable() }),
    ]),
    channel: z.enum(['slack', 'email', 'web', 'chat']),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    solvedAt: timestamp().nullable(),
    mergedInto: z.number().int().nullable(),
    followUpOf: z.number().int().nullable(),
    comments: z.array(publicCommentSchema),
  }),
  'Ticket',
);

export const ticketResponseSchema = named(
  z.object({
    ticket: publicTicketSchema,
    files: fileOutcomeSchema.optional().describe('With a multipart request: what became of its files.'),
  }),
  'TicketResponse',
);

export const commentResponseSchema = named(
  z.object({
    ticket: publicTicketSchema.describe(
      'The ticket the reply now lives on: the one written to, its merge target, or a follow-up.',
    ),
    reopened: z.boolean(),
    followUpOf: z.number().int().nullable(),
    duplicate: z.boolean().describe('The same Idempotency-Key was used before: nothing changed this time.'),
    files: fileOutcomeSchema.optional().describe('With a multipart request: what became of its files.'),
  }),
  'CommentResponse',
);

export const satisfactionResponseSchema = named(
  z.object({
    ticket: z.object({ number: z.number().int(), subject: z.string() }),
    rating: z.enum(RATINGS as [string, ...string[]]).nullable(),
    comment: z.string().nullable(),
  }),
  'Satisfaction',
);

// ─── The ticket list and the CSV export ───────────────────────────────────────────────────────

/** Query values are text: each is checked as text, then read (a page size of 1e9 is refused, not capped). */
const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `at least ${min}`).max(max, `at most ${max}`));

export const LIST_PAGE_MAX = 100;

export const ticketListQuerySchema = named(
  z
    .object({
      status: z
        .string()
        .max(100)
        .optional()
        .describe('Statuses, comma-separated: new, open, pending, solved, closed, or unsolved.'),
      groupId: queryInteger(1, 1_000_000_000).optional(),
      assignee: z
        .string()
        .regex(/^([UW][A-Z0-9]{2,30}|none)$/, 'a Slack user id, or none')
        .optional()
        .describe('The agent’s Slack user id, or none for unassigned tickets.'),
      tag: z.string().max(40, 'at most 40 characters').optional(),
      requester: z
        .email('an email address')
        .max(254)
        .optional()
        .describe('An email requester, by their address or one they had before a correction.'),
      createdFrom: z.iso.datetime({ message: 'an ISO 8601 date-time such as 2026-10-01T00:00:00Z' }).optional(),
      createdBefore: z.iso.datetime({ message: 'an ISO 8601 date-time such as 2026-11-01T00:00:00Z' }).optional(),
      q: z
        .string()
        .max(200, 'at most 200 characters')
        .optional()
        .describe('Words that must all appear in the subject or description, or all in one public comment.'),
      order: z.enum(['newest', 'oldest']).default('newest'),
      limit: queryInteger(1, LIST_PAGE_MAX).default(25).describe(`Tickets per page, 1 to ${LIST_PAGE_MAX}.`),
      cursor: z
        .string()
        .regex(/^\d{1,15}\.\d{1,9}$/, 'the nextCursor of the previous page')
        .optional()
        .describe('The nextCursor of the previous page.'),
    })
    .strict(),
  'TicketListQuery',
);

export const exportQuerySchema = named(
  z
    .object({
      createdFrom: z.iso
        .datetime({ message: 'an ISO 8601 date-time such as 2026-10-01T00:00:00Z' })
        .describe('Tickets created at or after this moment.'),
      createdBefore: z.iso
        .datetime({ message: 'an ISO 8601 date-time such as 2026-11-01T00:00:00Z' })
        .describe('Tickets created before this moment.'),
    })
    .strict(),
  'TicketExportQuery',
);

const slaClockStatus = z.enum(['running', 'at_risk', 'paused', 'met', 'breached']).nullable();

export const ticketSummarySchema = named(
  z.object({
    number: z.number().int(),
    subject: z.string(),
    status: ticketStatusSchema,
    priority: prioritySchema,
    group: z.object({ id: z.number().int(), name: z.string() }),
    assignee: z.object({ name: z.string() }).nullable().describe('The agent, by the name in the workspace file.'),
    requester: z.union([
      z.object({ kind: z.literal('email'), email: z.string(), name: z.string() }),
      z.object({ kind: z.literal('slack'), name: z.string().nullable() }),
    ]),
    channel: z.enum(['slack', 'email', 'web', 'chat']),
    tags: z.array(z.string()),
    form: z.object({
      rootCause: z.string().nullable(),
      category: z.string().nullable(),
      subcategory: z.string().nullable(),
    }),
    sla: z
      .object({ firstReply: slaClockStatus, resolution: slaClockStatus })
      .describe('Where the ticket stands against its targets; null when its priority has none.'),
    createdAt: timestamp(),
    updatedAt: timestamp(),
    firstReplyAt: timestamp().nullable(),
    solvedAt: timestamp().nullable(),
    closedAt: timestamp().nullable(),
    mergedInto: z.number().int().nullable(),
  }),
  'TicketSummary',
);

export const ticketListSchema = named(
  z.object({
    tickets: z.array(ticketSummarySchema),
    nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last one.'),
  }),
  'TicketList',
);

export const ERROR_CODES = [
  'unauthorized',
  'forbidden',
  'not_found',
  'idempotency_conflict',
  'malformed_json',
  'payload_too_large',
  'validation_failed',
  'refused',
  'database_unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorSchema = named(
  z.object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      path: z.string().nullable().describe('The field at fault, dotted (requester.email), or null.'),
      refusal: z
        .string()
        .optional()
        .describe(
          'With code “refused”: why, as a stable code (taken_by, no_such_ticket, closed_is_final, …); the HTTP status says what kind of no it is.',
        ),
    }),
  }),
  'Error',
);

export type CreateTicketBody = z.output<typeof createTicketBodySchema>;
export type PublicTicket = z.infer<typeof publicTicketSchema>;
export type PublicComment = z.infer<typeof publicCommentSchema>;
export type PublicFile = z.infer<typeof publicFileSchema>;
export type TicketSummary = z.infer<typeof ticketSummarySchema>;
