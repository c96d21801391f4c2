import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Application, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Outcome } from './actions.js';
import type { SandboxDesk } from './desk.js';
import { MorningPlayer, type PlayerStatus } from './player.js';
import { seenBy } from './seen-by.js';
import type { WireMailbox, WireWorkspace } from './wire.js';

/** The page's own files: plain ES modules, HTML and CSS, served as they are. */
export const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

// Defence in depth for a page that shows what people typed: no inline script, no foreign origin.
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

const personId = z.string().regex(/^[UW][A-Z0-9]+$/, 'expected a Slack user id');
const conversationId = z.string().regex(/^[CDG][A-Z0-9]+$/, 'expected a Slack conversation id');
const ts = z.string().regex(/^\d+\.\d+$/, 'expected a message ts');
const viewId = z.string().regex(/^V[A-Z0-9]+$/, 'expected a view id');
const values = z.record(z.string(), z.unknown());

/** One schema for what the page may ask, person by person. */
const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('command'), as: personId, channel: conversationId, text: z.string().min(1).max(4000) }),
  z.object({
    kind: z.literal('message'),
    as: personId,
    channel: conversationId,
    text: z.string().max(40_000),
    threadTs: ts.optional(),
  }),
  z.object({
    kind: z.literal('use'),
    as: personId,
    surface: z.union([z.object({ channel: conversationId, ts }), z.object({ viewId })]),
    element: z.object({
      actionId: z.string().min(1).max(255),
      blockId: z.string().max(255).optional(),
      value: z.union([z.string(), z.array(z.string()), z.null()]).optional(),
    }),
    values: values.default({}),
  }),
  z.object({ kind: z.literal('submit'), as: personId, viewId, values }),
  z.object({ kind: z.literal('close'), as: personId, viewId }),
  z.object({
    kind: z.literal('messageShortcut'),
    as: personId,
    callbackId: z.string().min(1),
    channel: conversationId,
    ts,
  }),
  z.object({ kind: z.literal('globalShortcut'), as: personId, callbackId: z.string().min(1) }),
  z.object({ kind: z.literal('openHome'), as: personId }),
  // A file a person shares, its bytes as base64 (the page's JSON body is capped at 1 MB, so about 700 KB).
  z.object({
    kind: z.literal('shareFile'),
    as: personId,
    channel: conversationId,
    threadTs: ts.optional(),
    name: z.string().min(1).max(255),
    contentBase64: z
      .string()
      .max(1_000_000)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64'),
    text: z.string().max(40_000).default(''),
  }),
]);

type Action = z.infer<typeof actionSchema>;

/** What an email requester writes: a new message, or a reply to one in their mailbox (by its Message-ID). */
const mailSchema = z
  .object({
    as: personId,
    subject: z.string().max(10_000),
    text: z.string().max(100_000),
    inReplyTo: z.string().max(500).optional(),
  })
  .strict();

async function perform(desk: SandboxDesk, action: Action): Promise<Outcome> {
  const { act } = desk;
  switch (action.kind) {
    case 'command':
      return act.command(action.as, action.channel, action.text);
    case 'message':
      return act.say(action.as, action.channel, action.text, action.threadTs);
    case 'shareFile':
      return act.shareFile(
        action.as,
        action.channel,
        { name: action.name, bytes: Buffer.from(action.contentBase64, 'base64'), text: action.text },
        action.threadTs,
      );
    case 'use':
      return act.use(action.as, action.surface, action.element, action.values);
    case 'submit':
      return act.submit(action.as, action.viewId, action.values);
    case 'close':
      return act.close(action.as, action.viewId);
    case 'messageShortcut':
      return act.messageShortcut(action.as, action.callbackId, action.channel, action.ts);
    case 'globalShortcut':
      return act.globalShortcut(action.as, action.callbackId);
    case 'openHome':
      return act.openHome(action.as);
  }
}

/** Open pages, told to look again when something changes (server-sent events). */
class ChangeStreams {
  private readonly open = new Set<Response>();
  private pending: NodeJS.Timeout | undefined;
  private version = 0;

  add(request: Request, response: Response): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    response.write(`retry: 1000\nevent: change\ndata: ${JSON.stringify({ version: this.version })}\n\n`);
    this.open.add(response);
    request.on('close', () => this.open.delete(response));
  }

  /** Changes come in bursts (one click, a dozen Web API calls): pages hear of a burst once. */
  changed(): void {
    this.version += 1;
    if (this.pending !== undefined) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.send('change', { version: this.version });
    }, 20);
  }

  send(event: string, data: unknown): void {
    for (const response of this.open) response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    clearTimeout(this.pending);
    for (const response of this.open) response.end();
    this.open.clear();
  }
}

/**
 * The sandbox page and its API, on the app's own express server: `/` is the page, `/sandbox/…` its
 * files, `/sandbox/api/…` what it reads and does. Every action becomes the signed request Slack would
 * send; everything the page shows is read back from the fake Slack the app called.
 */
export function mountSandboxPage(http: Application, desk: () => SandboxDesk): { close(): void } {
  const streams = new ChangeStreams();
  const player = new MorningPlayer(desk, (status: PlayerStatus) => streams.send('demo', status));
  let unsubscribe: (() => void) | undefined;
  const watch = () => {
    if (unsubscribe) return;
    const fromSlack = desk().fake.onChange(() => streams.changed());
    // Mail has no Slack events: what the desk sends an email requester tells open pages too.
    const fromMail = desk().mail.onChange(() => streams.changed());
    unsubscribe = () => {
      fromSlack();
      fromMail();
    };
  };

  const secured = (_request: Request, response: Response, next: NextFunction) => {
    response.set({
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    });
    next();
  };
  http.get('/', secured, (_request, response) => {
    response.sendFile(join(PAGE_DIR, 'index.html'));
  });
  http.use('/sandbox', secured, express.static(PAGE_DIR, { index: false, fallthrough: true }));

  const api = express.Router();
  // Another web page can make a browser send a form or text/plain POST here (and reset the desk), but
  // not an application/json one without a CORS preflight this server never answers: the page sends JSON.
  api.post('/{*path}', (request, response, next) => {
    if (request.is('application/json')) return next();
    response.status(415).json({ ok: false, problem: 'send the request as application/json' });
  });
  api.use(express.json({ limit: '1mb' }));
  const person = (id: string) => desk().roster.people.find((candidate) => candidate.id === id);

  api.get('/workspace', (_request, response) => {
    const { roster, surfaces, fake } = desk();
    response.json({
      name: roster.workspaceName,
      app: { userId: fake.botUserId, name: fake.user(fake.botUserId)?.realName ?? 'deskbolt' },
      people: roster.people.map(({ id, name, role, title, email }) => ({
        id,
        name,
        role,
        title,
        dm: fake.dmChannelOf(id),
        ...(email ? { email } : {}),
      })),
      channels: roster.channels.map(({ id, name, purpose, appIsMember }) => ({ id, name, purpose, appIsMember })),
      commands: surfaces.commands,
      shortcuts: surfaces.shortcuts,
    } satisfies WireWorkspace);
  });

  api.get('/seen-by/:user', (request, response) => {
    const user = String(request.params.user);
    if (person(user) === undefined)
      return void response.status(404).json({ ok: false, problem: `nobody called ${user} is in the sandbox` });
    watch();
    response.json(seenBy(desk().fake, desk().roster, user));
  });

  api.get('/mail/:user', (request, response) => {
    const someone = person(String(request.params.user));
    if (!someone?.email)
      return void response.status(404).json({ ok: false, problem: 'nobody by that id writes by email in the sandbox' });
    watch();
    const { mail } = desk();
    response.json({
      address: someone.email,
      support: mail.address,
      messages: mail.mailOf(someone.email),
    } satisfies WireMailbox);
  });

  api.post('/mail', async (request, response) => {
    const parsed = mailSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return void response
        .status(400)
        .json({ ok: false, problem: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'not a message'}` });
    }
    const someone = person(parsed.data.as);
    if (!someone?.email)
      return void response.status(404).json({ ok: false, problem: 'nobody by that id writes by email in the sandbox' });
    if (!parsed.data.subject.trim() && !parsed.data.text.trim())
      return void response.status(400).json({ ok: false, problem: 'write a subject or a few words' });
    watch();
    const filing = await desk().mail.write({ name: someone.name, address: someone.email }, parsed.data);
    response.json({ ok: true, filing });
  });

  api.get('/changes', (request, response) => {
    watch();
    streams.add(request, response);
  });

  api.post('/act', async (request, response) => {
    const parsed = actionSchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return void response
        .status(400)
        .json({ ok: false, problem: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'not an action'}` });
    }
    if (person(parsed.data.as) === undefined)
      return void response.status(404).json({ ok: false, problem: 'nobody by that id is in the sandbox' });
    watch();
    // A refusal is an answer too (Slack's client shows it where the person acted), not a failed request.
    response.json(await perform(desk(), parsed.data));
  });

  api.post('/reset', async (_request, response) => {
    player.stop();
    await desk().reset();
    response.json({ ok: true });
  });

  api.get('/demo', (_request, response) => {
    response.json(player.status());
  });
  api.post('/demo/start', async (_request, response) => {
    response.json(await player.start());
  });
  api.post('/demo/next', async (_request, response) => {
    response.json(await player.next());
  });
  api.post('/demo/stop', (_request, response) => {
    response.json(player.stop());
  });

  // A bad request gets its reason; a fault of the sandbox says so plainly and keeps the details in the log.
  api.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    const yours = typeof status === 'number' && status < 500;
    if (!yours) console.error('sandbox: request failed', error);
    if (response.headersSent) return;
    response.status(yours ? status : 500).json({
      ok: false,
      problem: yours ? (error as Error).message : `The sandbox failed: ${(error as Error).message}`,
    });
  });
  http.use('/sandbox/api', api);

  return {
    close() {
      unsubscribe?.();
      streams.close();
    },
  };
}
