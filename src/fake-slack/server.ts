import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isObject, MESSAGE_TEXT_MAX, validateBlocks, validateView } from './block-kit.js';
import { Conversations, type FakeChannel } from './conversations.js';
import { FakeFileUploads } from './files.js';
import { max } from './limits.js';
import { manifestBotScopes } from './manifest.js';
import { type EphemeralMessage, type OpenModal, PersonalSurfaces } from './personal.js';
import { RateLimiter } from './rate-limits.js';
import { type SocketModeOptions, SocketModeServer } from './socket-mode.js';
import { encodeEntities, type TypedTextDirectory } from './typed-text.js';

export { SELECT_MENUS, type Surface, validateBlocks, validateOptionsResponse, validateView } from './block-kit.js';
export type { FakeChannel } from './conversations.js';
export { LIMITS } from './limits.js';
export type { EphemeralMessage, OpenModal } from './personal.js';

// ─── The server ──────────────────────────────────────────────────────────────────────────────

export interface RecordedCall {
  method: string;
  args: Record<string, any>;
  ok: boolean;
  error?: string;
  /** The HTTP status Slack answered with: 200, or 429 when the call was rate limited. */
  status: number;
  response: Record<string, any>;
}

export interface FakeUser {
  id: string;
  /** The handle a person types after @ (Slack's `name`). */
  name: string;
  realName?: string;
  title?: string;
  tz?: string;
  email?: string;
  isBot?: boolean;
  /** The profile picture's address; Slack always has one (a default avatar when none was uploaded). */
  image?: string;
  phone?: string;
}

/** A file as files.info describes it; fields carry Slack's own names. */
export interface FakeFile {
  id: string;
  name: string;
  mimetype: string;
  filetype: string;
  size: number;
  title?: string;
  user?: string;
  url_private?: string;
  /** Its bytes, served at url_private_download to the bot token (see files.ts). */
  content?: Buffer;
}

export interface FakeUserGroup {
  id: string;
  /** What people type after @ to mention the whole group. */
  handle: string;
}

/** A mention the app sent that pings someone: a broadcast, or a person the test did not expect. */
export interface UnintendedPing {
  /** The Web API method, or `response_url`. */
  method: string;
  /** Where in the call's arguments, as a JSON pointer. */
  at: string;
  mention: string;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks?: any[];
  attachments?: any[];
  user: string;
  deleted?: boolean;
  metadata?: any;
  reactions?: string[];
  /** Ids of files shared with the message (files.completeUploadExternal). */
  files?: string[];
  /** A bot message posted under another name and picture (chat:write.customize). */
  username?: string;
  iconUrl?: string;
}

export interface RecordedResponse {
  url: string;
  body: Record<string, any>;
  ok: boolean;
  error?: string;
}

/** Where a response_url points: the conversation and, for message actions, the message clicked. */
export interface ResponseUrlContext {
  channel?: string;
  messageTs?: string;
  user?: string;
}

/** Something people would see changed: a listener (the sandbox page) looks again. */
export interface FakeChange {
  /** The Web API method, `response_url`, `message` (a person wrote), `modal` or `reset`. */
  what: string;
}

/** A modal in one person's stack, as their client shows it. */
export interface PersonalModal {
  view: Record<string, any>;
  errors: Record<string, string>;
}

export interface FakeSlackOptions {
  botUserId?: string;
  teamId?: string;
  token?: string;
  /** The app-level token (`xapp-…`) that opens Socket Mode connections. */
  appToken?: string;
  socketMode?: SocketModeOptions;
  /** The bot token's scopes: manifest.yml's bot scopes unless a test installs the app with fewer. */
  scopes?: readonly string[];
}

type Args = Record<string, any>;
type Answer = Record<string, any>;

interface Trigger {
  issuedAt: number;
  used: boolean;
  expired: boolean;
  fromView?: string;
  /** The person whose action issued it: the modal it opens is theirs. */
  user?: string;
}

interface ResponseUrl {
  issuedAt: number;
  uses: number;
  expired: boolean;
  context: ResponseUrlContext;
}

interface StoredView {
  view: Answer;
}

const TRIGGER_LIFETIME_MS = max('triggerLifetimeMs');
const RESPONSE_URL_LIFETIME_MS = max('responseUrlLifetimeMs');
const RESPONSE_URL_USES = max('responseUrlUses');
const MODAL_STACK_MAX = max('modalStack');
const MARKDOWN_TOTAL_MAX = max('markdownText');
const APP_ID = 'A0DESKBOLT';
// Calls that change what someone sees; the others only read.
const VISIBLE_METHODS = new Set([
  'chat.postMessage',
  'chat.postEphemeral',
  'chat.update',
  'chat.delete',
  'views.open',
  'views.push',
  'views.update',
  'views.publish',
  'reactions.add',
]);
// Methods that take the app-level token, and no other (apps.connections.open's reference); every
// other method refuses an app-level token. Either way Slack answers not_allowed_token_type.
const APP_LEVEL_METHODS = new Set(['apps.connections.open']);
// @slack/web-api sends complex arguments form-encoded as JSON strings; Slack decodes these ones.
const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata'] as const;

const refuse = (error: string, messages?: string[]): Answer =>
  messages === undefined ? { ok: false, error } : { ok: false, error, response_metadata: { messages } };

const isUserId = (id: string): boolean => /^[UW][A-Z0-9]+$/.test(id);
const isConversationId = (id: string): boolean => /^[CDG][A-Z0-9]+$/.test(id);

/** Why Slack would refuse this message content, or undefined when it would take it. */
function messageRefusal(message: Args): Answer | undefined {
  const { text, blocks, attachments } = message;
  if (typeof blocks === 'string' || (blocks !== undefined && !Array.isArray(blocks)))
    return refuse('invalid_blocks_format');
  if (typeof attachments === 'string') return refuse('invalid_attachments');
  const hasText = typeof text === 'string' && text.length > 0;
  const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  if (!hasText && !hasBlocks && !hasAttachments) return refuse('no_text');
  // Text over 40,000 characters is not refused: Slack truncates it
  // (https://docs.slack.dev/reference/methods/chat.postMessage/#truncating-content); applyContent does.
  if (blocks !== undefined) {
    const problems = validateBlocks(blocks, 'message');
    if (problems.length > 0) return refuse('invalid_blocks', problems);
    // The markdown block's page: "the cumulative limit for all markdown blocks in a single payload is
    // 12,000 characters"; past it Slack answers msg_blocks_too_long (chat.postMessage's errors).
    const markdown = (blocks as unknown[]).reduce<number>(
      (sum, block) =>
        sum + (isObject(block) && block.type === 'markdown' && typeof block.text === 'string' ? block.text.length : 0),
      0,
    );
    if (markdown > MARKDOWN_TOTAL_MAX) return refuse('msg_blocks_too_long');
  }
  return undefined;
}

function tzOffsetSeconds(tz: string): number {
  const zoneName = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
    .formatToParts(new Date())
    .find((part) => part.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(zoneName ?? '');
  if (!match) return 0;
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

function parseBody(raw: string, json: boolean): Args | undefined {
  if (json) {
    try {
      const parsed: unknown = raw === '' ? {} : JSON.parse(raw);
      return isObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const BROADCAST = /<!(?:here|channel|everyone|group)(?:\|[^>]*)?>|<!subteam\^[^>]*>/g;
const USER_MENTION = /<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g;

/** Every string Slack renders as mrkdwn in a message, view or response: where a mention would ping. */
function renderedTexts(value: unknown, at: string, found: [string, string][], topLevel: boolean): void {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) renderedTexts(item, `${at}/${i}`, found, false);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, field] of Object.entries(value)) {
    const here = `${at}/${key}`;
    if (typeof field === 'string') {
      // A message's own text (the notification fallback too), a mrkdwn text object, an attachment's text.
      const rendered =
        (key === 'text' && (topLevel || value.type === 'mrkdwn' || value.type === undefined)) ||
        key === 'pretext' ||
        key === 'fallback' ||
        (key === 'value' && at.includes('/fields/'));
      if (rendered) found.push([here, field]);
    } else if (!(isObject(field) && field.type === 'plain_text')) {
      renderedTexts(field, here, found, false);
    }
  }
}

export class FakeSlack implements TypedTextDirectory {
  readonly apiUrl: string;
  readonly token: string;
  readonly botUserId: string;
  private readonly scopes: Set<string>;
  readonly botId = 'B0DESKBOLT';
  readonly appId = APP_ID;
  readonly teamId: string;
  readonly appToken: string;
  /** Slack's side of Socket Mode: connections, envelopes, acks, retries, disconnects. */
  readonly socketMode: SocketModeServer;

  private readonly origin: string;
  private readonly recorded: RecordedCall[] = [];
  private readonly posted: StoredMessage[] = [];
  private readonly responseLog: RecordedResponse[] = [];
  private readonly users = new Map<string, FakeUser>();
  /** Channels, who is in them, which are archived, and the bot's DMs. */
  private readonly conversations: Conversations;
  private readonly userGroups = new Map<string, FakeUserGroup>();
  private readonly files = new Map<string, FakeFile>();
  private readonly uploads: FakeFileUploads;
  private readonly triggers = new Map<string, Trigger>();
  private readonly responseUrls = new Map<string, ResponseUrl>();
  private readonly views = new Map<string, StoredView>();
  private readonly homeViews = new Map<string, string>();
  private readonly failures = new Map<string, { error: string; when?: (args: Record<string, any>) => boolean }[]>();
  private readonly rateLimits = new Map<string, number[]>();
  /** Slack's own limits by method tier, when a test turns them on (enforceRateLimits). */
  private limiter: RateLimiter | undefined;
  /** Calls left unanswered (hangNext): how many more of each method, and the ones hanging now. */
  private readonly hangs = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();
  private readonly callWaiters: { method: string; resolve: (call: RecordedCall) => void }[] = [];
  private readonly handlers: ReadonlyMap<string, (args: Args) => Answer>;
  private readonly personal = new PersonalSurfaces();
  private readonly listeners = new Set<(change: FakeChange) => void>();
  private lastTsMicros = 0;
  private counter = 0;

  private constructor(
    private readonly server: Server,
    port: number,
    options: Required<Omit<FakeSlackOptions, 'socketMode'>> & Pick<FakeSlackOptions, 'socketMode'>,
  ) {
    this.origin = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.origin}/api/`;
    this.token = options.token;
    this.appToken = options.appToken;
    this.socketMode = new SocketModeServer(this.origin, APP_ID, options.socketMode);
    this.botUserId = options.botUserId;
    this.teamId = options.teamId;
    this.conversations = new Conversations(this.botUserId);
    this.scopes = new Set(options.scopes);
    this.addUser({ id: this.botUserId, name: 'deskbolt', realName: 'Deskbolt', isBot: true });
    this.uploads = new FakeFileUploads({
      origin: this.origin,
      token: this.token,
      addFile: (file) => this.addFile({ ...file, user: file.user ?? this.botUserId }),
      fileContent: (id) => this.files.get(id)?.content,
      postFiles: (channel, content) => {
        const where = this.postingChannel(channel);
        if (where === undefined) return undefined;
        const message = this.storeBotMessage(where, content);
        message.files = content.files;
        this.changed('chat.postMessage');
        return { channel: where, ts: message.ts };
      },
    });
    this.handlers = new Map<string, (args: Args) => Answer>([
      ['auth.test', () => this.authTest()],
      ['chat.postMessage', (args) => this.postMessage(args)],
      ['chat.postEphemeral', (args) => this.postEphemeral(args)],
      ['chat.update', (args) => this.updateMessage(args)],
      ['chat.delete', (args) => this.deleteMessage(args)],
      ['chat.getPermalink', (args) => this.permalink(args)],
      ['conversations.open', (args) => this.openConversation(args)],
      ['conversations.info', (args) => this.conversationInfo(args)],
      ['users.info', (args) => this.userInfo(args)],
      ['users.lookupByEmail', (args) => this.lookupByEmail(args)],
      ['users.profile.get', (args) => this.profileGet(args)],
      ['views.open', (args) => this.openView(args, false)],
      ['views.push', (args) => this.openView(args, true)],
      ['views.update', (args) => this.updateView(args)],
      ['views.publish', (args) => this.publishView(args)],
      ['reactions.add', (args) => this.addReaction(args)],
      ['files.info', (args) => this.fileInfo(args)],
      ['files.getUploadURLExternal', (args) => this.uploads.getUploadUrl(args)],
      ['files.completeUploadExternal', (args) => this.uploads.completeUpload(args)],
      ['apps.connections.open', () => this.socketMode.open()],
    ]);
  }

  static async start(options: FakeSlackOptions = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      if (fake === undefined) sendJson(res, 503, { ok: false, error: 'starting' });
      else void fake.route(req, res);
    });
    server.on('upgrade', (req, socket, head) => {
      if (!fake?.socketMode.handleUpgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    fake = new FakeSlack(server, port, {
      botUserId: options.botUserId ?? 'UBOT',
      teamId: options.teamId ?? 'T0TEST',
      token: options.token ?? 'xoxb-test-token',
      appToken: options.appToken ?? 'xapp-1-A0DESKBOLT-1-test',
      socketMode: options.socketMode,
      scopes: options.scopes ?? manifestBotScopes(),
    });
    return fake;
  }

  // ─── What tests read ──────────────────────────────────────────────────────────────────────

  calls(method?: string): RecordedCall[] {
    return this.recorded.filter((call) => method === undefined || call.method === method);
  }

  okCalls(method?: string): RecordedCall[] {
    return this.calls(method).filter((call) => call.ok);
  }

  /** Messages the bot posted into this person's DM with it, top level or in a thread, whichever way it addressed them. */
  dmsTo(userId: string): RecordedCall[] {
    const channel = this.dmChannelOf(userId);
    return this.okCalls('chat.postMessage').filter((call) => call.response.channel === channel);
  }

  lastCall(method: string): RecordedCall | undefined {
    return this.calls(method).at(-1);
  }

  /** Forgets recorded Web API calls and response_url posts; messages, views and users stay. */
  clearCalls(): void {
    this.recorded.length = 0;
    this.responseLog.length = 0;
  }

  responses(): RecordedResponse[] {
    return [...this.responseLog];
  }

  /** Messages as a person scrolling the channel would see them now: bot posts and user messages alike. */
  messages(channel?: string): StoredMessage[] {
    return this.posted
      .filter((message) => channel === undefined || message.channel === channel)
      .map((message) => structuredClone(message));
  }

  /** The current state of a modal or home view, by view id or external_id. */
  view(idOrExternalId: string): Record<string, any> | undefined {
    const stored = this.findView(idOrExternalId);
    return stored === undefined ? undefined : structuredClone(stored.view);
  }

  homeView(userId: string): Record<string, any> | undefined {
    const id = this.homeViews.get(userId);
    return id === undefined ? undefined : this.view(id);
  }

  user(id: string): FakeUser | undefined {
    return this.users.get(id);
  }

  userNamed(name: string): FakeUser | undefined {
    const wanted = name.toLowerCase();
    return [...this.users.values()].find((user) => user.name.toLowerCase() === wanted);
  }

  userGroupNamed(handle: string): FakeUserGroup | undefined {
    const wanted = handle.toLowerCase();
    return [...this.userGroups.values()].find((group) => group.handle.toLowerCase() === wanted);
  }

  channelNamed(name: string): FakeChannel | undefined {
    return this.conversations.named(name);
  }

  channel(id: string): FakeChannel | undefined {
    return this.conversations.get(id);
  }

  /**
   * Every live broadcast (`<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^…>`) and every mention of a
   * person not in `allowUsers`, anywhere the app's recorded calls and response_url posts would render
   * mrkdwn: message text and its fallback, blocks, attachments, modal and home views. Empty when the
   * app pinged nobody it did not mean to.
   */
  unintendedPings(options: { allowUsers?: readonly string[] } = {}): UnintendedPing[] {
    const allowed = new Set(options.allowUsers ?? []);
    const sent: [string, Args][] = [
      ...this.recorded.map((call): [string, Args] => [call.method, call.args]),
      ...this.responseLog.map((response): [string, Args] => ['response_url', response.body]),
    ];
    const pings: UnintendedPing[] = [];
    for (const [method, args] of sent) {
      const texts: [string, string][] = [];
      renderedTexts(args, '', texts, true);
      for (const [at, text] of texts) {
        for (const match of text.matchAll(BROADCAST)) pings.push({ method, at, mention: match[0] });
        for (const match of text.matchAll(USER_MENTION))
          if (!allowed.has(match[1]!)) pings.push({ method, at, mention: match[0] });
      }
    }
    return pings;
  }

  /** Ephemeral messages only `user` sees (chat.postEphemeral, response_url answers), oldest first. */
  ephemerals(user: string, channel?: string): EphemeralMessage[] {
    return this.personal.ephemerals(user, channel);
  }

  /** The modal open in the person's client, bottom view first, with the field errors it shows. */
  modals(user: string): PersonalModal[] {
    return this.personal.stack(user).flatMap((modal: OpenModal) => {
      const view = this.view(modal.viewId);
      return view === undefined ? [] : [{ view, errors: modal.errors }];
    });
  }

  /** Tells `listener` whenever something a person would see changes; returns the unsubscribe. */
  onChange(listener: (change: FakeChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ─── What tests arrange ───────────────────────────────────────────────────────────────────

  addUser(user: FakeUser): void {
    if (user.tz !== undefined) tzOffsetSeconds(user.tz); // an unknown zone throws here, not inside a request
    this.users.set(user.id, { ...user });
  }

  addFile(file: FakeFile): void {
    this.files.set(file.id, { ...file });
  }

  /** A channel people can #-mention by name; the bot is in it only when `botIsMember` says so (or it is invited later). */
  addChannel(channel: FakeChannel): void {
    this.conversations.add(channel);
  }

  /** Someone types `/invite @deskbolt` in the channel (it becomes known to the fake if it was not). */
  inviteBot(...channels: string[]): void {
    for (const channel of channels) this.conversations.invite(channel, this.botUserId);
  }

  /** Someone removes the bot from the channel (`/remove @deskbolt`). */
  removeBot(channel: string): void {
    this.conversations.remove(channel, this.botUserId);
  }

  archiveChannel(channel: string): void {
    this.conversations.archive(channel);
  }

  unarchiveChannel(channel: string): void {
    this.conversations.unarchive(channel);
  }

  /** A user group people can @-mention by its handle. */
  addUserGroup(group: FakeUserGroup): void {
    this.userGroups.set(group.id, { ...group });
  }

  file(id: string): FakeFile | undefined {
    const file = this.files.get(id);
    return file === undefined ? undefined : { ...file };
  }

  /** A message a person wrote, so reactions, permalinks and threads can refer to it. */
  addMessage(message: {
    channel: string;
    user: string;
    text: string;
    ts?: string;
    threadTs?: string;
    files?: string[];
  }): StoredMessage {
    const stored: StoredMessage = {
      channel: message.channel,
      ts: message.ts ?? this.nextTs(),
      user: message.user,
      text: message.text,
      ...(message.threadTs === undefined ? {} : { threadTs: message.threadTs }),
      ...(message.files === undefined ? {} : { files: message.files }),
    };
    const existing = this.findMessage(stored.channel, stored.ts);
    if (existing !== undefined) return structuredClone(existing);
    this.posted.push(stored);
    this.changed('message');
    return structuredClone(stored);
  }

  /** A person edited their message: the conversation shows the new text. */
  changeMessage(channel: string, ts: string, text: string): void {
    const message = this.findMessage(channel, ts);
    if (message === undefined) throw new Error(`no message ${ts} in ${channel}`);
    message.text = text;
  }

  /**
   * A fresh trigger_id; `fromView` is the modal the click happened in, which views.push stacks onto,
   * and `user` the person who acted: a modal opened with it opens in their client.
   */
  triggerId(fromView?: string, user?: string): string {
    const id = `${++this.counter}.${Date.now()}.${randomBytes(16).toString('hex')}`;
    const owner = user ?? (fromView ? this.personal.ownerOf(fromView) : undefined);
    this.triggers.set(id, {
      issuedAt: Date.now(),
      used: false,
      expired: false,
      ...(fromView ? { fromView } : {}),
      ...(owner ? { user: owner } : {}),
    });
    return id;
  }

  expireTrigger(id: string): void {
    const trigger = this.triggers.get(id);
    if (trigger === undefined) throw new Error(`unknown trigger_id ${id}`);
    trigger.expired = true;
  }

  responseUrl(context: ResponseUrlContext = {}): string {
    const id = `${this.teamId}/${++this.counter}/${randomBytes(12).toString('hex')}`;
    this.responseUrls.set(id, { issuedAt: Date.now(), uses: 0, expired: false, context });
    return `${this.origin}/response/${id}`;
  }

  expireResponseUrl(url: string): void {
    const entry = this.responseUrls.get(url.slice(`${this.origin}/response/`.length));
    if (entry === undefined) throw new Error(`unknown response_url ${url}`);
    entry.expired = true;
  }

  /** The bot's DM with this person: an opaque id, as conversations.open gives it. */
  dmChannelOf(userId: string): string {
    return this.conversations.dmOf(userId);
  }

  /**
   * The next call of `method` (the next one `when` matches, if given) is refused with `error`. A test
   * that means one of several calls the app makes at once names it, or it fails whichever lands first.
   */
  failNext(method: string, error: string, when?: (args: Record<string, any>) => boolean): void {
    const queue = this.failures.get(method) ?? [];
    queue.push({ error, ...(when ? { when } : {}) });
    this.failures.set(method, queue);
  }

  /**
   * The next `times` calls of `method` are refused as Slack refuses a call over its rate limit: HTTP 429
   * with a Retry-After header (seconds) and `{"ok":false,"error":"ratelimited"}`, not a 200 with an error
   * (https://docs.slack.dev/apis/web-api/rate-limits/).
   */
  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    const queue = this.rateLimits.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(retryAfterSeconds);
    this.rateLimits.set(method, queue);
  }

  /**
   * From now on every call is held to Slack's limits by method tier and chat.postMessage's one per
   * second per channel (rate-limits.ts), answered with 429 and Retry-After when over: on `now`, a clock
   * the test moves (the app waits out Retry-After on the same clock), or real time.
   */
  enforceRateLimits(now: () => number = Date.now): void {
    this.limiter = new RateLimiter(now);
  }

  /** The next call of `method` the app makes, when it is answered: for a test that must not wait for everything else. */
  nextCall(method: string): Promise<RecordedCall> {
    return new Promise((resolve) => this.callWaiters.push({ method, resolve }));
  }

  /** How many times the app asked Slack who it is (auth.test), since the fake started or calls were cleared. */
  authTests(): number {
    return this.calls('auth.test').length;
  }

  // ─── What a person's client does with the app's answers ────────────────────────────────────

  /**
   * The app's answer to `user` submitting `viewId`, applied as Slack's client applies it
   * (docs.slack.dev/surfaces/modals, "Updating views" and "Closing views"): `errors` shows messages
   * under those inputs, `update` replaces the submitted view, `push` stacks a new one, `clear`
   * closes them all, and an empty acknowledgement closes the submitted view only.
   */
  viewSubmitted(user: string, viewId: string, ack: unknown): void {
    const answer: Args = isObject(ack) ? ack : {};
    const stored = this.views.get(viewId);
    switch (answer.response_action) {
      case 'errors':
        this.personal.setErrors(viewId, isObject(answer.errors) ? (answer.errors as Record<string, string>) : {});
        break;
      case 'update':
        if (stored !== undefined && isObject(answer.view)) {
          const { root_view_id: root, previous_view_id: previous } = stored.view;
          stored.view = this.viewAnswer(viewId, answer.view, root, previous);
        }
        this.personal.setErrors(viewId, {});
        break;
      case 'push':
        if (isObject(answer.view)) {
          const id = `V${String(++this.counter).padStart(10, '0')}`;
          this.views.set(id, {
            view: this.viewAnswer(id, answer.view, String(stored?.view.root_view_id ?? viewId), viewId),
          });
          this.personal.setErrors(viewId, {});
          this.personal.push(user, id);
        }
        break;
      case 'clear':
        this.personal.close(user, viewId, true);
        break;
      default:
        this.personal.close(user, viewId, false);
    }
    this.changed('modal');
  }

  /**
   * The person closes a view (its close button or ×): that view goes, or the whole stack when the
   * view says clear_on_close. Returns the views closed, top first, so a caller can send view_closed
   * for those that asked (notify_on_close).
   */
  closeModal(user: string, viewId: string): Record<string, any>[] {
    const all = this.views.get(viewId)?.view.clear_on_close === true;
    const closed = this.personal.close(user, viewId, all).flatMap((id) => {
      const view = this.view(id);
      return view === undefined ? [] : [view];
    });
    this.changed('modal');
    return closed;
  }

  /**
   * A message in the app's acknowledgement of a slash command: Slack shows it to the person who
   * typed the command, ephemeral unless response_type is in_channel
   * (docs.slack.dev/interactivity/implementing-slash-commands, "Responding to commands").
   */
  commandAckMessage(user: string, channel: string, ack: unknown): void {
    if (!isObject(ack) || messageRefusal(ack) !== undefined) return;
    if (ack.response_type === 'in_channel') this.storeBotMessage(channel, ack);
    else this.personal.addEphemeral({ ...this.ephemeralContent(ack), channel, user, ts: this.nextTs(), source: 'ack' });
    this.changed('ack');
  }

  /** An empty workspace again: messages, views, ephemerals, modals and recorded calls go; people and files stay. */
  reset(): void {
    this.recorded.length = 0;
    this.posted.length = 0;
    this.responseLog.length = 0;
    this.triggers.clear();
    this.responseUrls.clear();
    this.views.clear();
    this.homeViews.clear();
    this.failures.clear();
    this.rateLimits.clear();
    this.personal.clear();
    this.changed('reset');
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.socketMode.close();
    for (const response of this.hanging) response.destroy();
    // fetch keeps connections alive; without this, close() waits for them to time out.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /**
   * The next `times` calls of `method` are read and never answered: Slack's side of a connection that
   * hangs (a stalled proxy, a network partition), which only a client-side timeout ends. 0 answers again.
   */
  hangNext(method: string, times = 1): void {
    this.hangs.set(method, times);
  }

  // ─── HTTP ─────────────────────────────────────────────────────────────────────────────────

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    try {
      if (await this.uploads.route(req, res, url)) return;
      const raw = await readBody(req);
      const contentType = String(req.headers['content-type'] ?? '');
      const hangs = url.pathname.startsWith('/api/')
        ? (this.hangs.get(decodeURIComponent(url.pathname.slice('/api/'.length))) ?? 0)
        : 0;
      if (hangs > 0) {
        this.hangs.set(decodeURIComponent(url.pathname.slice('/api/'.length)), hangs - 1);
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        const { status, answer, retryAfter } = this.answerApiCall(url, raw, contentType, req.headers.authorization);
        sendJson(res, status, answer, retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) });
      } else if (url.pathname.startsWith('/response/') && req.method === 'POST') {
        const { status, answer } = this.answerResponseUrl(url, raw, contentType);
        sendJson(res, status, answer);
      } else {
        sendJson(res, 404, { ok: false, error: 'not_found' });
      }
    } catch (error) {
      // A fault in the fake itself: loud in the log, and a 200 to Web API callers, because a 5xx sends
      // a WebClient with its default retry policy into half an hour of retries.
      console.error('fake Slack failed to answer', error);
      sendJson(res, url.pathname.startsWith('/api/') ? 200 : 500, { ok: false, error: 'fake_slack_fault' });
    }
  }

  private answerApiCall(
    url: URL,
    raw: string,
    contentType: string,
    authorization: string | undefined,
  ): { status: number; answer: Answer; retryAfter?: number } {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const body = parseBody(raw, contentType.startsWith('application/json'));
    const { token: bodyToken, ...args }: Args = { ...Object.fromEntries(url.searchParams), ...(body ?? {}) };
    for (const field of JSON_FIELDS) {
      if (typeof args[field] !== 'string') continue;
      try {
        args[field] = JSON.parse(args[field]);
      } catch {
        // left as a string, so the method refuses it the way Slack does
      }
    }
    const retryAfter = this.handlers.has(method)
      ? (this.rateLimits.get(method)?.shift() ??
        this.limiter?.admit(method, method === 'chat.postMessage' ? this.postingChannel(args.channel) : undefined))
      : undefined;
    const answer =
      retryAfter === undefined
        ? this.answer(method, args, body === undefined, authorization, bodyToken)
        : refuse('ratelimited');
    const status = retryAfter === undefined ? 200 : 429;
    const call: RecordedCall = {
      method,
      args,
      ok: answer.ok === true,
      ...(typeof answer.error === 'string' ? { error: answer.error } : {}),
      status,
      response: answer,
    };
    this.recorded.push(call);
    for (const waiter of this.callWaiters.filter((w) => w.method === method)) {
      this.callWaiters.splice(this.callWaiters.indexOf(waiter), 1);
      waiter.resolve(call);
    }
    if (answer.ok === true && VISIBLE_METHODS.has(method)) this.changed(method);
    return retryAfter === undefined ? { status, answer } : { status, answer, retryAfter };
  }

  private answer(
    method: string,
    args: Args,
    unreadable: boolean,
    authorization: string | undefined,
    bodyToken: unknown,
  ): Answer {
    const handler = this.handlers.get(method);
    if (handler === undefined) return refuse('unknown_method');
    if (unreadable) return refuse('invalid_json');
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? '')?.[1];
    const token = bearer ?? (typeof bodyToken === 'string' ? bodyToken : undefined);
    if (token === undefined || token === '') return refuse('not_authed');
    const expected = APP_LEVEL_METHODS.has(method) ? this.appToken : this.token;
    if (token.startsWith('xapp-') !== expected.startsWith('xapp-')) return refuse('not_allowed_token_type');
    if (token !== expected) return refuse('invalid_auth');
    const queue = this.failures.get(method) ?? [];
    const forced = queue.findIndex((failure) => !failure.when || failure.when(args));
    if (forced >= 0) return refuse(queue.splice(forced, 1)[0]!.error);
    return handler(args);
  }

  // Slack answers response_url failures with a 4xx status, which is what makes Bolt's respond() throw.
  private answerResponseUrl(url: URL, raw: string, contentType: string): { status: number; answer: Answer } {
    const id = url.pathname.slice('/response/'.length);
    const fullUrl = `${this.origin}${url.pathname}`;
    // Bolt's respond() posts JSON; older clients post a form.
    const body = parseBody(raw, !contentType.startsWith('application/x-www-form-urlencoded'));
    const message: Args = body ?? {};
    const result = this.respondAt(id, message, body === undefined);
    this.responseLog.push({
      url: fullUrl,
      body: message,
      ok: result.status === 200,
      ...(result.status === 200 ? {} : { error: String(result.answer.error) }),
    });
    if (result.status === 200) this.changed('response_url');
    return result;
  }

  private respondAt(id: string, message: Args, unreadable: boolean): { status: number; answer: Answer } {
    const entry = this.responseUrls.get(id);
    if (entry === undefined) return { status: 404, answer: refuse('no_service') };
    const used =
      entry.expired || entry.uses >= RESPONSE_URL_USES || Date.now() - entry.issuedAt > RESPONSE_URL_LIFETIME_MS;
    if (used) return { status: 404, answer: refuse('expired_url') };
    if (unreadable) return { status: 400, answer: refuse('invalid_payload') };
    const { channel, messageTs, user } = entry.context;
    const original =
      channel !== undefined && messageTs !== undefined ? this.findMessage(channel, messageTs) : undefined;
    // A click on an ephemeral message carries a response_url too, and only through it can that message
    // be replaced or deleted (docs.slack.dev/messaging/modifying-messages, "Updating messages using response_url").
    const ephemeralOriginal =
      original === undefined && channel !== undefined && messageTs !== undefined
        ? this.personal.findEphemeral(user, channel, messageTs)
        : undefined;
    if (message.delete_original === true || message.delete_original === 'true') {
      if (original !== undefined) original.deleted = true;
      if (ephemeralOriginal !== undefined) this.personal.deleteEphemeral(ephemeralOriginal);
    } else {
      const refusal = messageRefusal(message);
      if (refusal !== undefined) return { status: 400, answer: refusal };
      const replace = message.replace_original === true || message.replace_original === 'true';
      if (replace && original !== undefined) {
        this.applyContent(original, message);
      } else if (replace && ephemeralOriginal !== undefined) {
        Object.assign(ephemeralOriginal, this.ephemeralContent(message));
      } else if (message.response_type === 'in_channel' && channel !== undefined) {
        this.storeBotMessage(channel, message);
      } else if (channel !== undefined && user !== undefined) {
        // Anything else posted to a response_url is ephemeral: only the person who acted sees it.
        this.personal.addEphemeral({
          ...this.ephemeralContent(message),
          channel,
          user,
          ts: this.nextTs(),
          source: 'response_url',
        });
      }
    }
    entry.uses += 1;
    return { status: 200, answer: { ok: true } };
  }

  // ─── Messages ─────────────────────────────────────────────────────────────────────────────

  private nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  private findMessage(channel: string, ts: string): StoredMessage | undefined {
    return this.posted.find((message) => message.channel === channel && message.ts === ts);
  }

  private changed(what: string): void {
    for (const listener of this.listeners) listener({ what });
  }

  private ephemeralContent(content: Args): Pick<EphemeralMessage, 'text' | 'blocks' | 'attachments' | 'threadTs'> {
    return {
      ...(typeof content.text === 'string' ? { text: content.text } : {}),
      ...(Array.isArray(content.blocks) ? { blocks: content.blocks } : {}),
      ...(Array.isArray(content.attachments) ? { attachments: content.attachments } : {}),
      ...(typeof content.thread_ts === 'string' && content.thread_ts !== '' ? { threadTs: content.thread_ts } : {}),
    };
  }

  private applyContent(message: StoredMessage, content: Args): void {
    // chat.update keeps blocks, attachments and metadata the call leaves out; [] removes them.
    if (typeof content.text === 'string') message.text = content.text.slice(0, MESSAGE_TEXT_MAX);
    if (Array.isArray(content.blocks)) message.blocks = content.blocks;
    if (Array.isArray(content.attachments)) message.attachments = content.attachments;
    if (content.metadata !== undefined) message.metadata = content.metadata;
  }

  private storeBotMessage(channel: string, content: Args): StoredMessage {
    const message: StoredMessage = { channel, ts: this.nextTs(), user: this.botUserId };
    if (typeof content.thread_ts === 'string' && content.thread_ts !== '') message.threadTs = content.thread_ts;
    this.applyContent(message, content);
    this.posted.push(message);
    return message;
  }

  private slackMessage(message: StoredMessage): Answer {
    const bot = message.user === this.botUserId;
    return {
      type: 'message',
      user: message.user,
      ...(bot ? { bot_id: this.botId, app_id: APP_ID } : {}),
      text: message.text ?? '',
      ...(message.blocks === undefined ? {} : { blocks: message.blocks }),
      ...(message.attachments === undefined ? {} : { attachments: message.attachments }),
      ...(message.metadata === undefined ? {} : { metadata: message.metadata }),
      ...(message.threadTs === undefined ? {} : { thread_ts: message.threadTs }),
      ...(message.files === undefined ? {} : { files: message.files.map((id) => this.slackFile(id)) }),
      ...(message.username === undefined ? {} : { username: message.username }),
      ...(message.iconUrl === undefined ? {} : { icons: { image_48: message.iconUrl } }),
      ts: message.ts,
      team: this.teamId,
    };
  }

  /** A user id posts into that user's DM with the bot, as chat.postMessage does. */
  private postingChannel(channel: unknown): string | undefined {
    if (typeof channel !== 'string' || channel === '') return undefined;
    return isUserId(channel) ? this.dmChannelOf(channel) : channel;
  }

  /** The message an update, delete or reaction names; Slack wants a conversation id here, never a user id. */
  private existingMessage(channel: unknown, ts: unknown): { message: StoredMessage } | { refusal: Answer } {
    if (typeof channel !== 'string' || !isConversationId(channel)) return { refusal: refuse('channel_not_found') };
    // chat.update and chat.delete answer these too (their reference pages' errors): a bot removed from a
    // channel, or a channel archived, can no longer touch what it posted there.
    const closed = this.conversations.postRefusal(channel);
    if (closed !== undefined) return { refusal: refuse(closed) };
    const message = typeof ts === 'string' ? this.findMessage(channel, ts) : undefined;
    if (message === undefined || message.deleted) return { refusal: refuse('message_not_found') };
    return { message };
  }

  private authTest(): Answer {
    return {
      ok: true,
      url: 'https://fake.slack.com/',
      team: 'Fake Team',
      user: 'deskbolt',
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    };
  }

  private postMessage(args: Args): Answer {
    const channel = this.postingChannel(args.channel);
    if (channel === undefined) return refuse('channel_not_found');
    const closed = this.conversations.postRefusal(channel);
    if (closed !== undefined) return refuse(closed);
    const refusal = messageRefusal(args);
    if (refusal !== undefined) return refusal;
    // "Authorship" in https://docs.slack.dev/reference/methods/chat.postMessage and the scope's page
    // (https://docs.slack.dev/reference/scopes/chat.write.customize): a bot token customizes the message's
    // username and icon only with chat:write.customize; without it Slack answers missing_scope.
    const customized = ['username', 'icon_url', 'icon_emoji'].some((field) => args[field] !== undefined);
    if (customized && !this.scopes.has('chat:write.customize')) {
      return {
        ok: false,
        error: 'missing_scope',
        needed: 'chat:write.customize',
        provided: [...this.scopes].join(','),
      };
    }
    const message = this.storeBotMessage(channel, args);
    if (typeof args.username === 'string' && args.username !== '') message.username = args.username;
    if (typeof args.icon_url === 'string' && args.icon_url !== '') message.iconUrl = args.icon_url;
    return { ok: true, channel, ts: message.ts, message: this.slackMessage(message) };
  }

  private postEphemeral(args: Args): Answer {
    const channel = this.postingChannel(args.channel);
    if (channel === undefined) return refuse('channel_not_found');
    if (typeof args.user !== 'string' || args.user === '') return refuse('user_not_found');
    const refusal = messageRefusal(args);
    if (refusal !== undefined) return refusal;
    // Ephemeral messages are seen by one person and never stored in the conversation's history.
    const ts = this.nextTs();
    this.personal.addEphemeral({
      ...this.ephemeralContent(args),
      channel,
      user: args.user,
      ts,
      source: 'chat.postEphemeral',
    });
    return { ok: true, message_ts: ts };
  }

  private updateMessage(args: Args): Answer {
    const found = this.existingMessage(args.channel, args.ts);
    if ('refusal' in found) return found.refusal;
    const { message } = found;
    if (message.user !== this.botUserId) return refuse('cant_update_message');
    const merged = {
      text: args.text ?? message.text,
      blocks: args.blocks ?? message.blocks,
      attachments: args.attachments ?? message.attachments,
    };
    const refusal = messageRefusal(merged);
    if (refusal !== undefined) return refusal;
    this.applyContent(message, args);
    const { channel, ts, text = '' } = message;
    return { ok: true, channel, ts, text, message: this.slackMessage(message) };
  }

  private deleteMessage(args: Args): Answer {
    const found = this.existingMessage(args.channel, args.ts);
    if ('refusal' in found) return found.refusal;
    const { message } = found;
    if (message.user !== this.botUserId) return refuse('cant_delete_message');
    message.deleted = true;
    return { ok: true, channel: message.channel, ts: message.ts };
  }

  private permalink(args: Args): Answer {
    const { channel, message_ts: ts } = args;
    if (typeof channel !== 'string' || !isConversationId(channel)) return refuse('channel_not_found');
    if (typeof ts !== 'string' || !/^\d+\.\d+$/.test(ts)) return refuse('message_not_found');
    return { ok: true, channel, permalink: `https://fake.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
  }

  private addReaction(args: Args): Answer {
    const found = this.existingMessage(args.channel, args.timestamp);
    if ('refusal' in found) return found.refusal;
    const { message } = found;
    if (typeof args.name !== 'string' || args.name === '') return refuse('invalid_name');
    const reactions = message.reactions ?? [];
    if (reactions.includes(args.name)) return refuse('already_reacted');
    message.reactions = [...reactions, args.name];
    return { ok: true };
  }

  // ─── Conversations and people ─────────────────────────────────────────────────────────────

  private openConversation(args: Args): Answer {
    if (typeof args.channel === 'string' && isConversationId(args.channel)) {
      return this.conversations.postRefusal(args.channel) === undefined
        ? { ok: true, channel: { id: args.channel } }
        : refuse('channel_not_found');
    }
    const users =
      typeof args.users === 'string'
        ? args.users
            .split(',')
            .map((u) => u.trim())
            .filter(Boolean)
        : [];
    if (users.length === 0) return refuse('users_list_not_supplied');
    if (!users.every(isUserId)) return refuse('user_not_found');
    const only = users[0];
    if (users.length === 1 && only !== undefined) return { ok: true, channel: { id: this.dmChannelOf(only) } };
    // A group DM the bot opens is one it is in, like any conversation it created.
    const id = `G${users
      .map((u) => u.slice(1))
      .join('')
      .slice(0, 20)}`;
    this.conversations.add({
      id,
      name: `mpdm-${users.join('--').toLowerCase()}-1`,
      isPrivate: true,
      botIsMember: true,
    });
    return { ok: true, channel: { id } };
  }

  private conversationInfo(args: Args): Answer {
    const id = args.channel;
    if (typeof id !== 'string' || !isConversationId(id)) return refuse('channel_not_found');
    const created = 1_600_000_000;
    if (id.startsWith('D')) {
      const user = this.conversations.userOfDm(id);
      if (user === undefined) return refuse('channel_not_found');
      return {
        ok: true,
        channel: {
          id,
          created,
          is_im: true,
          is_channel: false,
          is_group: false,
          is_private: true,
          user,
          is_open: true,
        },
      };
    }
    const channel = this.conversations.info(id);
    return channel === undefined ? refuse('channel_not_found') : { ok: true, channel };
  }

  private slackProfile(user: FakeUser): Answer {
    const realName = user.realName ?? user.name;
    return {
      real_name: realName,
      real_name_normalized: realName,
      display_name: user.name,
      display_name_normalized: user.name,
      title: user.title ?? '',
      phone: user.phone ?? '',
      // Slack gives every profile its pictures, a default avatar when none was uploaded.
      image_72: user.image ?? `${this.origin}/avatars/${user.id}_72.png`,
      image_192: user.image ?? `${this.origin}/avatars/${user.id}_192.png`,
      ...(user.email === undefined ? {} : { email: user.email }),
      ...(user.isBot ? { bot_id: this.botId } : {}),
    };
  }

  private slackUser(user: FakeUser): Answer {
    const tz = user.tz ?? 'UTC';
    return {
      id: user.id,
      team_id: this.teamId,
      name: user.name,
      deleted: false,
      real_name: user.realName ?? user.name,
      tz,
      tz_label: tz,
      tz_offset: tzOffsetSeconds(tz),
      is_bot: user.isBot ?? false,
      is_app_user: false,
      is_admin: false,
      is_owner: false,
      profile: this.slackProfile(user),
    };
  }

  private userInfo(args: Args): Answer {
    const user = typeof args.user === 'string' ? this.users.get(args.user) : undefined;
    return user === undefined ? refuse('user_not_found') : { ok: true, user: this.slackUser(user) };
  }

  private lookupByEmail(args: Args): Answer {
    const email = typeof args.email === 'string' ? args.email.toLowerCase() : undefined;
    const user = [...this.users.values()].find((u) => email !== undefined && u.email?.toLowerCase() === email);
    return user === undefined ? refuse('users_not_found') : { ok: true, user: this.slackUser(user) };
  }

  private profileGet(args: Args): Answer {
    const user = this.users.get(typeof args.user === 'string' ? args.user : this.botUserId);
    return user === undefined ? refuse('user_not_found') : { ok: true, profile: this.slackProfile(user) };
  }

  private fileInfo(args: Args): Answer {
    const file = typeof args.file === 'string' ? this.slackFile(args.file) : undefined;
    return file === undefined ? refuse('file_not_found') : { ok: true, file };
  }

  /**
   * A file as Slack describes it (files.info, and the `files` of message events and shortcut messages).
   * Its name and title are text like any other: `&`, `<`, `>` arrive as entities.
   */
  slackFile(id: string): Answer | undefined {
    const file = this.files.get(id);
    if (file === undefined) return undefined;
    const host = file.content ? this.origin : 'https://files.fake.slack.com';
    const urlPrivate =
      file.url_private ?? `${host}/files-pri/${this.teamId}-${file.id}/${encodeURIComponent(file.name)}`;
    return {
      id: file.id,
      name: encodeEntities(file.name),
      title: encodeEntities(file.title ?? file.name),
      mimetype: file.mimetype,
      filetype: file.filetype,
      size: file.size,
      user: file.user ?? this.botUserId,
      url_private: urlPrivate,
      url_private_download: `${urlPrivate}?download=1`,
      permalink: `https://fake.slack.com/files/${file.user ?? this.botUserId}/${file.id}/${encodeURIComponent(file.name)}`,
      created: 1_600_000_000,
    };
  }

  // ─── Views ────────────────────────────────────────────────────────────────────────────────

  private findView(idOrExternalId: string): StoredView | undefined {
    if (idOrExternalId === '') return undefined;
    return (
      this.views.get(idOrExternalId) ?? [...this.views.values()].find((v) => v.view.external_id === idOrExternalId)
    );
  }

  private newHash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('hex')}`;
  }

  private viewAnswer(id: string, view: Args, root: string, previous: string | null): Answer {
    return {
      id,
      team_id: this.teamId,
      type: view.type,
      ...(view.title === undefined ? {} : { title: view.title }),
      ...(view.submit === undefined ? {} : { submit: view.submit }),
      ...(view.close === undefined ? {} : { close: view.close }),
      blocks: view.blocks,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      external_id: view.external_id ?? '',
      state: { values: {} },
      hash: this.newHash(),
      clear_on_close: view.clear_on_close === true,
      notify_on_close: view.notify_on_close === true,
      root_view_id: root,
      previous_view_id: previous,
      app_id: APP_ID,
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
  }

  private viewRefusal(view: unknown): Answer | undefined {
    if (view === undefined) return refuse('invalid_arguments', ['[ERROR] missing required field: view']);
    if (typeof view === 'string') {
      return refuse('invalid_arguments', ['[ERROR] failed to parse view as JSON [json-pointer:/view]']);
    }
    const problems = validateView(view);
    return problems.length > 0 ? refuse('invalid_arguments', problems) : undefined;
  }

  private useTrigger(id: unknown): { trigger: Trigger } | { refusal: Answer } {
    if (typeof id !== 'string' || id === '') {
      return { refusal: refuse('invalid_arguments', ['[ERROR] missing required field: trigger_id']) };
    }
    const trigger = this.triggers.get(id);
    if (trigger === undefined) return { refusal: refuse('invalid_trigger_id') };
    // A trigger spent once answers exchanged_trigger_id; one past its 3 seconds, expired_trigger_id
    // (https://docs.slack.dev/reference/methods/views.open/#errors).
    if (trigger.used) return { refusal: refuse('exchanged_trigger_id') };
    if (trigger.expired || Date.now() - trigger.issuedAt > TRIGGER_LIFETIME_MS)
      return { refusal: refuse('expired_trigger_id') };
    trigger.used = true;
    return { trigger };
  }

  private stackDepth(viewId: string): number {
    let depth = 0;
    for (let id: string | null | undefined = viewId; id; id = this.views.get(id)?.view.previous_view_id) depth += 1;
    return depth;
  }

  private openView(args: Args, push: boolean): Answer {
    const refusal = this.viewRefusal(args.view);
    if (refusal !== undefined) return refusal;
    const view = args.view as Args;
    if (view.type !== 'modal') return refuse('invalid_arguments', ['[ERROR] must be modal [json-pointer:/view/type]']);
    if (typeof view.external_id === 'string' && view.external_id !== '' && this.findView(view.external_id)) {
      return refuse('duplicate_external_id');
    }
    const used = this.useTrigger(args.trigger_id);
    if ('refusal' in used) return used.refusal;
    const { trigger } = used;
    const id = `V${String(++this.counter).padStart(10, '0')}`;
    let root = id;
    let previous: string | null = null;
    if (push && trigger.fromView !== undefined && this.views.has(trigger.fromView)) {
      if (this.stackDepth(trigger.fromView) >= MODAL_STACK_MAX) return refuse('push_limit_reached');
      previous = trigger.fromView;
      root = String(this.views.get(trigger.fromView)?.view.root_view_id ?? trigger.fromView);
    }
    const answer = this.viewAnswer(id, view, root, previous);
    this.views.set(id, { view: answer });
    if (trigger.user !== undefined) {
      if (previous === null) this.personal.open(trigger.user, id);
      else this.personal.push(trigger.user, id);
    }
    return { ok: true, view: answer };
  }

  private updateView(args: Args): Answer {
    const key = typeof args.view_id === 'string' && args.view_id !== '' ? args.view_id : args.external_id;
    const stored = typeof key === 'string' && key !== '' ? this.findView(key) : undefined;
    if (stored === undefined) return refuse('not_found');
    const refusal = this.viewRefusal(args.view);
    if (refusal !== undefined) return refusal;
    if (typeof args.hash === 'string' && args.hash !== stored.view.hash) return refuse('hash_conflict');
    const { id, root_view_id: root, previous_view_id: previous, external_id: externalId } = stored.view;
    // An update that names no external_id keeps the one the view had, so later lookups still find it.
    const view = { external_id: externalId, ...(args.view as Args) };
    stored.view = this.viewAnswer(id, view, root, previous);
    this.personal.setErrors(id, {});
    return { ok: true, view: stored.view };
  }

  private publishView(args: Args): Answer {
    const user = args.user_id;
    if (typeof user !== 'string' || !isUserId(user)) {
      return refuse('invalid_arguments', ['[ERROR] missing required field: user_id']);
    }
    const refusal = this.viewRefusal(args.view);
    if (refusal !== undefined) return refusal;
    const view = args.view as Args;
    if (view.type !== 'home') return refuse('invalid_arguments', ['[ERROR] must be home [json-pointer:/view/type]']);
    const existingId = this.homeViews.get(user);
    const existing = existingId === undefined ? undefined : this.views.get(existingId);
    const stale = typeof args.hash === 'string' && existing !== undefined && args.hash !== existing.view.hash;
    if (stale) return refuse('hash_conflict');
    // Slack keeps one home view per person and app, so republishing keeps its id.
    const id = existingId ?? `V${String(++this.counter).padStart(10, '0')}`;
    const answer = this.viewAnswer(id, view, id, null);
    this.views.set(id, { view: answer });
    this.homeViews.set(user, id);
    return { ok: true, view: answer };
  }
}
