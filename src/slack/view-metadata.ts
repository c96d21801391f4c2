import { z } from 'zod';

/**
 * What a modal carries in `private_metadata` between opening and submission, one schema per form. The
 * forms' builders (blocks/) write these types and the listeners read them back through
 * `viewMetadata`: Slack hands the string back as it was sent, but a modal opened by an older release
 * (or a hand-made request) may carry anything, and a cast would let it through as a ticket number.
 */
const ticketNumber = z.number().int().positive();

export const viewMetadataSchemas = {
  /** A form about one ticket (escalate, link an incident). */
  ticket: z.object({ number: ticketNumber }),
  /** The reply form: the version the agent is looking at, and which revision of its blocks it shows. */
  reply: z.object({ number: ticketNumber, version: z.number().int(), revision: z.number().int().positive() }),
  /** The edit form: a change since `version` is refused. */
  edit: z.object({ number: ticketNumber, version: z.number().int() }),
  /** Assign or hand over: who had it when the form opened (if that changed, nothing moves). */
  assign: z.object({ number: ticketNumber, seenAssignee: z.string().nullable() }),
  /** A lead's bulk hand-over, confirmed. */
  bulkMove: z.object({ moveId: z.string().min(1).max(100) }),
  /** Merging: the tickets picked, then the one they go into. */
  mergePick: z.object({ sources: z.array(ticketNumber).min(1).max(100) }),
  mergeConfirm: z.object({ sources: z.array(ticketNumber).min(1).max(100), target: ticketNumber }),
  /** The message a "New ticket" shortcut was used on. */
  messageOrigin: z.object({
    channelId: z.string().regex(/^[CGD][A-Z0-9]+$/),
    messageTs: z.string().regex(/^\d+\.\d+$/),
  }),
  /** A satisfaction comment: which solve of which ticket, rated how. */
  surveyComment: z.object({
    number: ticketNumber,
    solve: z.number().int().nonnegative(),
    rating: z.enum(['good', 'bad']),
  }),
  /** An admin's macro or article form: which entry, at the version the admin saw (none: a new one). */
  managedEntry: z.object({
    kind: z.enum(['macro', 'article']),
    entry: z.object({ id: z.string().min(1).max(100), version: z.number().int().positive() }).optional(),
    /** The list the form was opened from, updated once the form is saved. */
    listViewId: z.string().max(100).optional(),
  }),
  /** An admin's list of macros or articles, or a group's members. */
  adminList: z.object({
    kind: z.enum(['macro', 'article', 'members']),
    groupId: z.number().int().positive().optional(),
  }),
} as const;

type Schemas = typeof viewMetadataSchemas;
export type ViewMetadata<K extends keyof Schemas> = z.infer<Schemas[K]>;

export type ReplyModalMetadata = ViewMetadata<'reply'>;
export type EditModalMetadata = ViewMetadata<'edit'>;
export type AssignModalMetadata = ViewMetadata<'assign'>;
export type SurveyCommentMetadata = ViewMetadata<'surveyComment'>;

/** A modal's metadata read by its form's schema: null when it is missing or not what that form writes. */
export function viewMetadata<K extends keyof Schemas>(
  view: { private_metadata?: string } | undefined,
  form: K,
): ViewMetadata<K> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(view?.private_metadata ?? '');
  } catch {
    return null;
  }
  const checked = viewMetadataSchemas[form].safeParse(parsed);
  return checked.success ? (checked.data as ViewMetadata<K>) : null;
}
