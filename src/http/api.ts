import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import type { Log } from '../log.js';
import { withLogContext } from '../log.js';
import type { TicketFilter } from '../store/search.js';
import { databaseUnavailable } from '../tickets/database-reach.js';
import type { Desk } from '../tickets/desk.js';
import { skippedEmail } from '../tickets/email-intake.js';
import { attachFiles, fileLimits, filesOfTicket, type IncomingFile, type TicketFile } from '../tickets/files.js';
import { claimIdempotentFiling, openTicket } from '../tickets/intake.js';
import { describeRefusal, isRefusal, type Refusal, refusalStatus, refuse } from '../tickets/refusals.js';
import { addRequesterReply, replyCommentId } from '../tickets/requester-reply.js';
import { type Rating, rateSolve, readSurveyToken } from '../tickets/satisfaction.js';
import { encodeCursor, type SearchCursor } from '../tickets/search.js';
import type { Actor, Ticket, TicketComment } from '../tickets/types.js';
import type { ApiKey } from '../workspace/schema.js';
import {
  commentBodySchema,
  commentWithFilesSchema,
  createTicketBodySchema,
  type ErrorCode,
  exportQuerySchema,
  type PublicComment,
  type PublicFile,
  type PublicTicket,
  satisfactionBodySchema,
  ticketListQuerySchema,
} from './api-schemas.js';
import { contentDisposition } from './file-downloads.js';
import { openApiDocument } from './openapi.js';
import { CSV_COLUMNS, csvRow, listRequest, ticketSummary } from './ticket-list.js';
import { isMultipart, readMultipart, UploadProblem } from './uploads.js';

/** Bodies larger than this are refused with 413 before they are parsed: a ticket is at most ~10k characters. */
export const API_BODY_LIMIT = '64kb';
/** Public comments returned with a ticket, newest kept. */
export const API_COMMENTS_SHOWN = 100;

export interface ApiDeps {
  desk: Desk;
  log: Log;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly path: string | null = null,
    readonly refusal?: string,
  ) {
    super(message);
  }
}

/** A workflow's refusal in plain words, with the HTTP status its code calls for. */
function refused(desk: Desk, refusal: Refusal, path: string | null = null): ApiError {
  const directory = desk.directory;
  const text = describeRefusal(refusal, {
    person: (userId) => directory.agent(userId)?.name ?? 'someone',
    group: (groupId) => directory.groupName(groupId),
    quote: (typed) => typed,
    code: (literal) => literal,
    groupList: () =>
      directory
        .groups()
        .map((group) => `${group.name} (${group.id})`)
        .join(', '),
  });
  return new ApiError(refusalStatus(refusal), 'refused', text, path, refusal.code);
}

const STATUS_OF: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  idempotency_conflict: 409,
  malformed_json: 400,
  payload_too_large: 413,
  validation_failed: 422,
  refused: 422,
  database_unavailable: 503,
  internal: 500,
};

const fail = (code: ErrorCode, message: string, path: string | null = null) =>
  new ApiError(STATUS_OF[code], code, message, path);

/** The REST API under /api/v1: JSON in and out, its own body parser (the Slack route needs the raw body). */
export function createApiRouter(deps: ApiDeps): Router {
  const { desk } = deps;
  const router = express.Router();
  router.use(express.json({ limit: API_BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  // The caller's X-Request-Id when it sends a usable one, else one of ours; answered back so both logs meet.
  router.use((request, response, next) => {
    const given = request.get('x-request-id');
    const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
    response.setHeader('X-Request-Id', requestId);
    withLogContext({ requestId }, next);
  });

  router.get('/openapi.json', (_request, response) => {
    response.json(openApiDocument());
  });

  // Answered at once while the database is away, instead of after the driver's whole server selection.
  router.use(async (_request, _response, next) => {
    if (await desk.store.reach.away()) throw databaseAway();
    next();
  });

  // The survey link's token is its own credential: an email requester has no API key.
  router.get('/satisfaction/:token', async (request, response) => {
    const ref = surveyOf(desk, String(request.params.token));
    const survey = await desk.store.satisfaction.get(ref.number, ref.solve);
    const ticket = await desk.store.tickets.get(ref.number);
    if (!survey || !ticket) throw fail('not_found', 'This survey link is not known.');
    response.json({
      ticket: { number: ticket.number, subject: ticket.subject },
      rating: survey.rating,
      comment: survey.comment,
    });
  });

  router.post('/satisfaction/:token', async (request, response) => {
    const ref = surveyOf(desk, String(request.params.token));
    const body = parseBody(satisfactionBodySchema, request.body);
    const ticket = await desk.store.tickets.get(ref.number);
    if (!ticket) throw fail('not_found', 'This survey link is not known.');
    const actor: Actor =
      ticket.requester.kind === 'email'
        ? { kind: 'requester', id: ticket.requester.email, name: ticket.requester.name }
        : { kind: 'requester', id: ticket.requester.userId };
    const result = await rateSolve(desk, {
      ...ref,
      rating: body.rating as Rating,
      ...(body.comment ? { comment: body.comment } : {}),
      actor,
    });
    if (!result.ok) throw fail('not_found', 'This survey link is not known.');
    response.json({
      ticket: { number: ticket.number, subject: ticket.subject },
      rating: result.survey.rating,
      comment: result.survey.comment,
    });
  });

  router.use(authenticate(desk));

  router.post('/tickets', requireAccess('write'), async (request, response) => {
    const key = apiKeyOf(response);
    const limits = fileLimits(desk);
    const upload = isMultipart(request)
      ? await readMultipart(request, 'ticket', { ...limits, budget: limits.maxTicketBytes })
      : null;
    const body = parseBody(createTicketBodySchema, upload ? upload.json : request.body);
    const groupId = body.groupId ?? defaultGroupOf(desk, key);
    if (!desk.directory.group(groupId)) throw refused(desk, refuse('no_such_group', { groupId }), 'groupId');
    if (typeof key.scope === 'object' && !key.scope.groups.includes(groupId)) {
      const allowed = key.scope.groups.map((id) => `${desk.directory.groupName(id)} (${id})`).join(', ');
      throw fail('forbidden', `The key “${key.name}” may file tickets in ${allowed} only.`, 'groupId');
    }

    let reservedNumber: number | undefined;
    const idempotencyKey = idempotencyKeyOf(request);
    if (idempotencyKey) {
      const claim = await claimIdempotentFiling(desk, key.name, idempotencyKey, { ...body, groupId });
      if (claim.kind === 'conflict') {
        const which = claim.ticketNumber === null ? '' : ` (ticket #${claim.ticketNumber})`;
        throw fail(
          'idempotency_conflict',
          `This Idempotency-Key was used for another request${which}.`,
          'Idempotency-Key',
        );
      }
      if (claim.kind === 'repeat') {
        if (!inScope(key, claim.ticket)) throw notFound(String(claim.ticket.number));
        response
          .status(200)
          .set('Idempotent-Replayed', 'true')
          .json({ ticket: await publicTicket(desk, claim.ticket) });
        return;
      }
      reservedNumber = claim.reservedNumber;
    }

    const result = await openTicket(
      desk,
      {
        subject: body.subject,
        description: body.description,
        requester: {
          kind: 'email',
          email: body.requester.email,
          name: body.requester.name,
          ...(body.requester.phone ? { phone: body.requester.phone } : {}),
        },
        groupId,
        priority: body.priority,
      },
      {
        actor: { kind: 'api', id: key.name },
        channel: body.channel,
        source: { kind: 'api', filedBy: key.name },
        ...(reservedNumber ? { reservedNumber } : {}),
      },
    );
    if (!result.ok) throw refused(desk, result);
    const files = upload
      ? await keepFiles(desk, result.ticket.number, `opening:${result.ticket.number}`, upload.files, key.name)
      : undefined;
    response
      .status(201)
      .location(`/api/v1/tickets/${result.ticket.number}`)
      .json({ ticket: await publicTicket(desk, result.ticket), ...(files ? { files } : {}) });
  });

  router.get('/tickets', requireAccess('read'), async (request, response) => {
    const list = listRequest(parseBody(ticketListQuerySchema, request.query));
    if ('refusal' in list) throw refused(desk, list.refusal, list.path);
    const filter = withinScope(apiKeyOf(response), list.filter);
    const page = filter
      ? await desk.store.search.find(filter, list.order, list.after, list.limit)
      : { tickets: [], next: null };
    response.json({
      tickets: page.tickets.map((ticket) => ticketSummary(desk, ticket)),
      nextCursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  // Streamed a page at a time, so an export of any size holds one page in memory.
  router.get('/tickets.csv', requireAccess('read'), async (request, response) => {
    const query = parseBody(exportQuerySchema, request.query);
    const filter = withinScope(apiKeyOf(response), {
      createdFrom: new Date(query.createdFrom),
      createdBefore: new Date(query.createdBefore),
    });
    response.status(200).type('text/csv; charset=utf-8');
    response.set(
      'Content-Disposition',
      `attachment; filename="tickets-${query.createdFrom.slice(0, 10)}-${query.createdBefore.slice(0, 10)}.csv"`,
    );
    await write(response, `${CSV_COLUMNS.join(',')}\r\n`);
    let after: SearchCursor | null = null;
    while (filter && !response.destroyed) {
      const page: { tickets: Ticket[]; next: SearchCursor | null } = await desk.store.search.find(
        filter,
        'oldest',
        after,
        EXPORT_PAGE,
      );
      for (const ticket of page.tickets) await write(response, csvRow(ticketSummary(desk, ticket)));
      after = page.next;
      if (after === null) break;
    }
    response.end();
  });

  // Mail a mailbox held that became no ticket, and why: what admins read when "my email never arrived".
  router.get('/email/skipped', requireAccess('read'), async (_request, response) => {
    if (apiKeyOf(response).scope !== 'all')
      throw fail('forbidden', 'Skipped email is shown to keys whose scope is all.');
    const records = await skippedEmail(desk, 50);
    response.json({
      skipped: records.map(({ at, mailbox, from, subject, reason, messageId }) => ({
        at,
        mailbox,
        from,
        subject: subject.slice(0, 300),
        reason,
        messageId,
      })),
    });
  });

  router.get('/tickets/:number', requireAccess('read'), async (request, response) => {
    const ticket = await ticketOr404(desk, String(request.params.number), apiKeyOf(response));
    response.json({ ticket: await publicTicket(desk, ticket) });
  });

  router.post('/tickets/:number/comments', requireAccess('write'), async (request, response) => {
    const key = apiKeyOf(response);
    const ticket = await ticketOr404(desk, String(request.params.number), key);
    const limits = fileLimits(desk);
    const room = async () =>
      limits.maxTicketBytes -
      (await desk.store.files.ofTicket(ticket.number)).reduce((sum, file) => sum + (file.stored ? file.size : 0), 0);
    const upload = isMultipart(request)
      ? await readMultipart(request, 'comment', { ...limits, budget: await room() })
      : null;
    const body =
      upload && upload.files.length > 0
        ? parseBody(commentWithFilesSchema, upload.json ?? {})
        : parseBody(commentBodySchema, upload ? upload.json : request.body);
    const idempotencyKey = idempotencyKeyOf(request);
    const sourceKey = idempotencyKey ? `api:${key.name}:${idempotencyKey}` : undefined;
    if (sourceKey) {
      const earlier = await desk.store.tickets.comment(replyCommentId(sourceKey));
      if (earlier && earlier.text !== body.text) {
        throw fail(
          'idempotency_conflict',
          `This Idempotency-Key was used for another reply (on #${earlier.ticketNumber}).`,
          'Idempotency-Key',
        );
      }
    }
    const author: Actor = {
      kind: 'api',
      id: key.name,
      ...(ticket.requester.kind === 'email' ? { name: ticket.requester.name } : {}),
    };
    const result = await addRequesterReply(desk, {
      number: ticket.number,
      text: body.text,
      author,
      ...(sourceKey ? { sourceKey } : {}),
      withFiles: (upload?.files.length ?? 0) > 0,
    });
    if (!result.ok) throw refused(desk, result);
    const files = upload
      ? await keepFiles(desk, result.ticket.number, result.commentId, upload.files, key.name)
      : undefined;
    // A reply forwarded to a merge target outside the key's scope: the key sees the ticket it wrote to.
    const shown = inScope(key, result.ticket)
      ? result.ticket
      : ((await desk.store.tickets.get(ticket.number)) ?? ticket);
    response.status(result.duplicate ? 200 : 201).json({
      ticket: await publicTicket(desk, shown),
      reopened: result.reopened,
      followUpOf: result.followUpOf,
      duplicate: result.duplicate,
      ...(files ? { files } : {}),
    });
  });

  router.get('/tickets/:number/files', requireAccess('read'), async (request, response) => {
    const ticket = await ticketOr404(desk, String(request.params.number), apiKeyOf(response));
    const files = await filesOfTicket(desk, ticket.number, { publicOnly: true });
    response.json({ files: files.map(publicFile) });
  });

  // A key that may see the ticket may fetch its public stored files: a bridge shows them to its requester.
  router.get('/tickets/:number/files/:fileId', requireAccess('read'), async (request, response) => {
    const ticket = await ticketOr404(desk, String(request.params.number), apiKeyOf(response));
    const file = await desk.store.files.get(String(request.params.fileId));
    if (!file || file.ticketNumber !== ticket.number || file.visibility !== 'public' || !file.stored)
      throw fail('not_found', 'There is no such file on this ticket.');
    const bytes = await desk.store.files.readBytes(file);
    if (!bytes) throw fail('not_found', 'There is no such file on this ticket.');
    response
      .status(200)
      .set('Content-Type', file.contentType)
      .set('Content-Disposition', contentDisposition(file.name))
      .set('X-Content-Type-Options', 'nosniff')
      .set('Content-Security-Policy', "default-src 'none'; sandbox")
      .end(bytes);
  });

  router.use((request) => {
    throw fail('not_found', `No route ${request.method} ${request.baseUrl}${request.path}.`);
  });

  router.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const apiError = asApiError(error, deps.log);
    // A stream that failed half-way cannot take an error body: cut it, so the client sees it incomplete.
    if (response.headersSent) {
      response.destroy();
      return;
    }
    // A body refused for its size may still be arriving: the connection is closed rather than read to its end.
    if (apiError.code === 'payload_too_large') response.set('Connection', 'close');
    if (apiError.code === 'database_unavailable') response.set('Retry-After', String(DATABASE_RETRY_AFTER_S));
    response.status(apiError.status).json({
      error: {
        code: apiError.code,
        message: apiError.message,
        path: apiError.path,
        ...(apiError.refusal ? { refusal: apiError.refusal } : {}),
      },
    });
  });

  return router;
}

/** Tickets read per page of an export. */
export const EXPORT_PAGE = 500;

/** Writes a chunk, waiting while the client's side of the socket is full. */
async function write(response: Response, chunk: string): Promise<void> {
  if (response.write(chunk)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}

/** What a client is asked to wait before retrying while the database is away. */
const DATABASE_RETRY_AFTER_S = 60;

function databaseAway(): ApiError {
  return fail('database_unavailable', 'deskbolt cannot reach its database right now; try again in a minute.');
}

function asApiError(error: unknown, log: Log): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof UploadProblem)
    return fail(error.status === 413 ? 'payload_too_large' : 'malformed_json', error.message);
  const type = (error as { type?: string }).type;
  if (type === 'entity.too.large') return fail('payload_too_large', `The body is larger than ${API_BODY_LIMIT}.`);
  if (type === 'entity.parse.failed') return fail('malformed_json', 'The body is not valid JSON.');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported')
    return fail('malformed_json', 'The body must be UTF-8 JSON.');
  if (databaseUnavailable(error)) {
    log(`api: the database is unreachable: ${(error as Error).message}`);
    return databaseAway();
  }
  log(`api: request failed: ${(error as Error).message}`, error);
  return fail('internal', 'Something went wrong on our side; the request can be retried.');
}

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const parsed = schema.safeParse(body ?? undefined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...keys.slice(0, 1)].map(String).join('.') || null;
  const message =
    issue.code === 'unrecognized_keys' ? `unknown field ${keys.map((k) => `“${k}”`).join(', ')}` : issue.message;
  throw fail('validation_failed', path ? `${path}: ${message}` : `body: ${message}`, path);
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

function idempotencyKeyOf(request: Request): string | undefined {
  const value = request.get('Idempotency-Key');
  if (value === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(value))
    throw fail('validation_failed', 'Idempotency-Key: 1 to 200 visible ASCII characters.', 'Idempotency-Key');
  return value;
}

/** A ticket outside the key's scope is answered exactly as a missing one: its number tells nothing. */
async function ticketOr404(desk: Desk, text: string, key: ApiKey): Promise<Ticket> {
  const ticket = /^\d{1,9}$/.test(text) ? await desk.store.tickets.get(Number(text)) : null;
  if (!ticket || !inScope(key, ticket)) throw notFound(text);
  return ticket;
}

const notFound = (text: string) => fail('not_found', `There is no ticket #${text.slice(0, 20)}.`);

function surveyOf(desk: Desk, token: string) {
  const secret = desk.directory.workspace.outboundWebhook?.secret;
  const ref = secret ? readSurveyToken(secret, token) : null;
  if (!ref) throw fail('not_found', 'This survey link is not known.');
  return ref;
}

// ─── API keys ─────────────────────────────────────────────────────────────────────────────────

/** The key whose sha256 matches, comparing every stored hash in constant time so timing says nothing. */
export function apiKeyMatching(keys: readonly ApiKey[], presented: string): ApiKey | null {
  const digest = createHash('sha256').update(presented, 'utf8').digest();
  let found: ApiKey | null = null;
  for (const key of keys) {
    if (timingSafeEqual(Buffer.from(key.sha256, 'hex'), digest) && found === null) found = key;
  }
  return found;
}

function authenticate(desk: Desk) {
  return (request: Request, response: Response, next: NextFunction) => {
    const header = request.get('Authorization') ?? '';
    const match = /^Bearer\s+(\S{1,512})$/i.exec(header);
    const key = match ? apiKeyMatching(desk.directory.workspace.apiKeys, match[1]!) : null;
    if (!key) {
      response.set('WWW-Authenticate', 'Bearer realm="deskbolt"');
      throw fail(
        'unauthorized',
        match ? 'This API key is not known.' : 'Send an API key: Authorization: Bearer <key>.',
      );
    }
    response.locals.apiKey = key;
    next();
  };
}

function apiKeyOf(response: Response): ApiKey {
  return response.locals.apiKey as ApiKey;
}

/** Whether the key may see and touch this ticket: its scope in the workspace file says which tickets. */
export function inScope(key: ApiKey, ticket: Pick<Ticket, 'groupId' | 'source'>): boolean {
  if (key.scope === 'all') return true;
  if (key.scope === 'own') return ticket.source.kind === 'api' && ticket.source.filedBy === key.name;
  return key.scope.groups.includes(ticket.groupId);
}

/** A list's filter narrowed to the tickets the key may see (`inScope`), or null when it can see none of them. */
export function withinScope(key: ApiKey, filter: TicketFilter): TicketFilter | null {
  if (key.scope === 'all') return filter;
  if (key.scope === 'own') return { ...filter, filedBy: key.name };
  const allowed = key.scope.groups;
  const groupIds = filter.groupIds ? filter.groupIds.filter((id) => allowed.includes(id)) : allowed;
  return groupIds.length > 0 ? { ...filter, groupIds } : null;
}

/** Where a ticket goes when the body names no group: the first group the key may file in. */
function defaultGroupOf(desk: Desk, key: ApiKey): number {
  return typeof key.scope === 'object' ? key.scope.groups[0]! : desk.directory.groups()[0]!.id;
}

function requireAccess(access: 'read' | 'write') {
  return (_request: Request, response: Response, next: NextFunction) => {
    const key = apiKeyOf(response);
    if (access === 'write' && key.access !== 'write')
      throw fail('forbidden', `The key “${key.name}” may read tickets but not change them.`);
    next();
  };
}

// ─── What the API shows ───────────────────────────────────────────────────────────────────────

export async function publicTicket(desk: Desk, ticket: Ticket): Promise<PublicTicket> {
  const comments = await desk.store.tickets.comments(ticket.number, { kinds: ['public'], last: API_COMMENTS_SHOWN });
  return {
    number: ticket.number,
    subject: ticket.subject,
    description: ticket.description,
    status: ticket.status,
    priority: ticket.priority,
    group: { id: ticket.groupId, name: desk.directory.groupName(ticket.groupId) },
    requester:
      ticket.requester.kind === 'email'
        ? { kind: 'email', email: ticket.requester.email, name: ticket.requester.name }
        : { kind: 'slack', name: ticket.requester.name ?? null },
    channel: ticket.channel,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
    solvedAt: ticket.solvedAt ? new Date(ticket.solvedAt).toISOString() : null,
    mergedInto: ticket.mergedInto,
    followUpOf: ticket.followUpOf ?? null,
    comments: comments.filter((comment) => comment.kind === 'public').map((comment) => publicComment(desk, comment)),
  };
}

function publicFile(file: TicketFile): PublicFile {
  return {
    id: file.id,
    commentId: file.commentId,
    name: file.name,
    size: file.size,
    contentType: file.contentType,
    sha256: file.sha256,
    addedAt: new Date(file.addedAt).toISOString(),
    inSlack: file.slack !== null,
  };
}

/** A request's files onto its comment, and what became of each in plain words. */
async function keepFiles(desk: Desk, ticketNumber: number, commentId: string, files: IncomingFile[], keyName: string) {
  const outcome = await attachFiles(desk, { ticketNumber, commentId, files, actor: { kind: 'api', id: keyName } });
  if (isRefusal(outcome)) throw refused(desk, outcome);
  return {
    kept: outcome.kept.map(publicFile),
    refused: outcome.refused.map((refusal) => ({
      name: String((refusal.facts as { name?: string }).name ?? ''),
      refusal: refusal.code,
      message: refused(desk, refusal).message,
    })),
  };
}

function publicComment(desk: Desk, comment: TicketComment): PublicComment {
  // Slack user ids stay inside Slack: an agent is shown by the name in the workspace file.
  const name =
    comment.author.kind === 'agent'
      ? (desk.directory.agent(comment.author.id)?.name ?? 'Support')
      : (comment.author.name ?? null);
  return {
    id: comment.id,
    author: { kind: comment.author.kind, name },
    text: comment.text,
    createdAt: new Date(comment.createdAt).toISOString(),
  };
}
