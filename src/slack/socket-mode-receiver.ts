import { setTimeout as sleep } from 'node:timers/promises';
import { type App, LogLevel, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { type Logger, SocketModeClient } from '@slack/socket-mode';
import type { Log } from '../log.js';

/**
 * Slack allows ten Socket Mode connections per app and sends each envelope to any one of them
 * (docs.slack.dev/apis/events-api/using-socket-mode#connections). Each replica holds two, so that
 * while one is being replaced the other still takes clicks and commands: up to five replicas.
 */
export const CONNECTIONS_PER_REPLICA = 2;

/** How long a retiring connection may wait for the acks of envelopes it already received (Slack waits 3 s). */
const DRAIN_LIMIT_MS = 5_000;
/** How long an envelope_id is remembered: Slack redelivers within minutes. */
export const ENVELOPE_MEMORY_MS = 15 * 60_000;
const RECONNECT_BACKOFF_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export interface SocketLinksOptions {
  appToken: string;
  /** Where apps.connections.open is called (the fake Slack in tests, the demo and the sandbox). */
  apiUrl: string | undefined;
  logLevel: LogLevel;
  log: Log;
  connections?: number;
  /**
   * Whether an envelope_id is new (remembered across replicas, as event ids are): Slack may hand one
   * envelope out twice, and without an event_id nothing else tells the second from a new request.
   */
  firstTimeEnvelope?: (envelopeId: string) => Promise<boolean>;
}

/** For /readyz: a bot with no open connection hears nothing from Slack. */
export interface SocketLinksState {
  open: number;
  wanted: number;
}

/** What @slack/socket-mode hands to `slack_event` listeners. */
interface SlackEventArgs {
  /** Sends {envelope_id, payload}: the payload is what an HTTP response body would carry. */
  ack(response?: unknown): Promise<void>;
  envelope_id: string;
  body: ReceiverEvent['body'];
  retry_num?: number;
  retry_reason?: string;
}

function disconnectReason(data: string | ArrayBuffer, isBinary: boolean): string | undefined {
  if (isBinary || typeof data !== 'string') return undefined;
  try {
    const message = JSON.parse(data) as { type?: unknown; reason?: unknown };
    return message.type === 'disconnect' ? String(message.reason ?? '') : undefined;
  } catch {
    return undefined;
  }
}

/**
 * @slack/socket-mode closes the socket the moment Slack sends `disconnect`, so the acks of envelopes
 * it is still working on are lost, and it reconnects only after a pause. Slack's docs ask for the
 * opposite order (open the new connection, then let the old one go), as python-slack-sdk does; this
 * client lets its owner decide when a connection Slack retires is closed.
 */
class RetirableSocketModeClient extends SocketModeClient {
  /** Returns true when the owner takes care of the reconnect; false lets the library close at once. */
  onRetire: ((reason: string) => boolean) | undefined;
  /** Where a dropped envelope is told of. */
  dropped: ((line: string) => void) | undefined;

  protected override async onWebSocketMessage(data: string | ArrayBuffer, isBinary: boolean): Promise<void> {
    const reason = disconnectReason(data, isBinary);
    if (reason !== undefined && this.onRetire?.(reason)) return;
    // The library reads `payload.event.type` before any listener runs, so a malformed envelope threw
    // inside its message handler and took the process down: each one is checked here first.
    const envelope = envelopeOf(data, isBinary);
    if (envelope !== undefined) {
      const problem = envelopeProblem(envelope);
      const id = typeof envelope.envelope_id === 'string' ? envelope.envelope_id : undefined;
      if (problem !== undefined) {
        this.dropped?.(`slack: dropped a malformed Socket Mode envelope${id ? ` ${id}` : ''}: ${problem}`);
        if (id) await this.acknowledge(id);
        return;
      }
    }
    await super.onWebSocketMessage(data, isBinary);
  }

  private async acknowledge(envelopeId: string): Promise<void> {
    try {
      // The library's own ack path (private in its types): the same `{envelope_id}` message its listeners' ack sends.
      await (this as unknown as { send(id: string): Promise<void> }).send(envelopeId);
    } catch {
      // The connection went meanwhile: Slack sends the envelope again on another one, and it is checked there.
    }
  }
}

/** Messages on the socket that are envelopes (hello and disconnect are not); undefined for the rest. */
function envelopeOf(data: string | ArrayBuffer, isBinary: boolean): Record<string, unknown> | undefined {
  if (isBinary) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data));
  } catch {
    return undefined; // the library ignores what does not parse
  }
  if (!isRecord(message)) return { envelope_id: undefined, type: typeof message };
  if (message.type === 'hello' || message.type === 'disconnect') return undefined;
  return message;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What Slack's Socket Mode envelopes always carry (docs.slack.dev/apis/events-api/using-socket-mode):
 * an envelope_id to acknowledge, a type, and a payload object; an `events_api` payload carries its
 * event with a type. Undefined when the envelope has all of it.
 */
export function envelopeProblem(envelope: Record<string, unknown>): string | undefined {
  if (typeof envelope.envelope_id !== 'string' || envelope.envelope_id === '') return 'no envelope_id';
  if (typeof envelope.type !== 'string') return 'no type';
  if (!isRecord(envelope.payload)) return 'its payload is not an object';
  if (envelope.type === 'events_api') {
    const event = envelope.payload.event;
    if (!isRecord(event)) return 'an events_api envelope without an event';
    if (typeof event.type !== 'string') return 'an event without a type';
  }
  return undefined;
}

interface Link {
  client: RetirableSocketModeClient;
  state: 'connecting' | 'live' | 'retiring' | 'closed';
  /** Envelopes received and not yet acknowledged: the connection stays open until they are. */
  unacked: number;
  drained: (() => void)[];
}

/**
 * A Bolt receiver that keeps CONNECTIONS_PER_REPLICA Socket Mode connections open. When Slack retires
 * one (refresh_requested, warning, link_disabled) or it drops, a replacement is opened at once; a
 * retired connection is closed only after the replacement says hello and its own envelopes are
 * acknowledged, so a reconnect loses no envelope. Exactly-once across connections and replicas is
 * the app's seen-ids middleware, as in HTTP mode.
 */
export class SocketModeLinks implements Receiver {
  private app: App | undefined;
  private readonly links = new Set<Link>();
  private readonly wanted: number;
  private stopping = false;
  private abort = new AbortController();

  constructor(private readonly options: SocketLinksOptions) {
    this.wanted = options.connections ?? CONNECTIONS_PER_REPLICA;
  }

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.abort = new AbortController();
    try {
      await Promise.all(Array.from({ length: this.wanted }, () => this.open()));
    } catch (error) {
      await this.stop();
      throw new Error(`Socket Mode could not connect: ${explain(error)}`, { cause: error });
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    const closing = [...this.links].map((link) => this.close(link));
    await Promise.all(closing);
  }

  state(): SocketLinksState {
    return { open: [...this.links].filter((link) => link.state === 'live').length, wanted: this.wanted };
  }

  private async open(): Promise<void> {
    const client = new RetirableSocketModeClient({
      appToken: this.options.appToken,
      // Reconnecting is this receiver's job: at once, and before the old connection goes.
      autoReconnectEnabled: false,
      logger: socketLogger(this.options.log, this.options.logLevel),
      clientOptions: {
        ...(this.options.apiUrl ? { slackApiUrl: this.options.apiUrl } : {}),
        retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2_000 },
      },
    });
    const link: Link = { client, state: 'connecting', unacked: 0, drained: [] };
    client.onRetire = (reason) => this.retire(link, reason);
    client.dropped = (line) => this.options.log(line);
    client.on('slack_event', (args: SlackEventArgs) => void this.dispatch(link, args));
    client.on('disconnected', () => this.closed(link));
    this.links.add(link);
    try {
      await client.start();
    } catch (error) {
      link.state = 'closed';
      this.links.delete(link);
      // The library rejects with nothing when the socket closes before Slack's hello.
      throw error ?? new Error('the connection closed before Slack said hello');
    }
    // Stopped while it was connecting: the library still finishes the connection, so let it go.
    if (link.state !== 'connecting' || this.stopping) {
      await this.close(link);
      return;
    }
    link.state = 'live';
  }

  /** Slack asked this connection to go: open its replacement, then close it once drained. */
  private retire(link: Link, reason: string): boolean {
    if (link.state !== 'live') return false;
    link.state = 'retiring';
    // Slack sends nothing new to a retired connection, so the replacement need not be up before
    // it goes; what it must keep is the way back for the acks of envelopes already on it.
    void this.replace(reason === 'too_many_websockets' ? 1 : 0);
    void this.drain(link).then(() => this.close(link));
    return true;
  }

  /** The socket is gone (closed by us, by Slack, or by the network). */
  private closed(link: Link): void {
    const wasLive = link.state === 'live';
    link.state = 'closed';
    this.links.delete(link);
    for (const wake of link.drained.splice(0)) wake();
    if (wasLive && !this.stopping) {
      this.options.log('slack: a Socket Mode connection dropped; opening another');
      void this.replace(0);
    }
  }

  private async replace(firstAttempt: number): Promise<void> {
    for (let attempt = firstAttempt; !this.stopping; attempt += 1) {
      if (attempt > 0) {
        const wait = RECONNECT_BACKOFF_MS[Math.min(attempt - 1, RECONNECT_BACKOFF_MS.length - 1)]!;
        try {
          await sleep(wait, undefined, { signal: this.abort.signal });
        } catch {
          return; // stopping
        }
      }
      try {
        await this.open();
        return;
      } catch (error) {
        if (!this.stopping)
          this.options.log(`slack: could not open a Socket Mode connection (${explain(error)}); trying again`, error);
      }
    }
  }

  private async drain(link: Link): Promise<void> {
    if (link.unacked === 0 || link.state === 'closed') return;
    const drained = new AbortController();
    const limit = sleep(DRAIN_LIMIT_MS, undefined, {
      signal: AbortSignal.any([this.abort.signal, drained.signal]),
    }).catch(() => undefined);
    await Promise.race([new Promise<void>((resolve) => link.drained.push(resolve)), limit]);
    drained.abort();
  }

  private readonly envelopesInMemory = new Map<string, number>();

  /** While the database is away, envelope ids are remembered in this process, as request signatures are over HTTP. */
  private async firstTimeEnvelope(id: string): Promise<boolean> {
    try {
      return await this.options.firstTimeEnvelope!(id);
    } catch {
      const now = Date.now();
      for (const [seen, until] of this.envelopesInMemory) if (until <= now) this.envelopesInMemory.delete(seen);
      if (this.envelopesInMemory.has(id)) return false;
      this.envelopesInMemory.set(id, now + ENVELOPE_MEMORY_MS);
      return true;
    }
  }

  /** Safe to repeat: the library's disconnect() is a no-op on a closed client. */
  private async close(link: Link): Promise<void> {
    link.state = 'closed';
    this.links.delete(link);
    await link.client.disconnect();
  }

  private async dispatch(link: Link, args: SlackEventArgs): Promise<void> {
    link.unacked += 1;
    let acked = false;
    const settle = () => {
      if (acked) return;
      acked = true;
      link.unacked -= 1;
      if (link.unacked === 0) for (const wake of link.drained.splice(0)) wake();
    };
    const event: ReceiverEvent = {
      body: args.body,
      ack: async (response?: unknown) => {
        if (acked) return;
        try {
          await args.ack(response);
        } finally {
          settle();
        }
      },
      ...(args.retry_num === undefined ? {} : { retryNum: args.retry_num }),
      ...(args.retry_reason === undefined ? {} : { retryReason: args.retry_reason }),
    };
    try {
      // Counted as unacknowledged meanwhile, so a retiring connection waits for this answer too.
      if (this.options.firstTimeEnvelope && !(await this.firstTimeEnvelope(args.envelope_id))) {
        this.options.log(`slack: envelope ${args.envelope_id} came again; acknowledged, not acted on twice`);
        await event.ack();
        return;
      }
      await this.app?.processEvent(event);
    } catch (error) {
      this.options.log(`slack: a Socket Mode envelope failed: ${explain(error)}`, error);
    } finally {
      // A listener that never acknowledged must not hold a retiring connection open.
      settle();
    }
  }
}

/** The library's own lines go where deskbolt's go (stderr, or a test's log), at deskbolt's level. */
function socketLogger(log: Log, level: LogLevel): Logger {
  const levels = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];
  let current = level;
  const at =
    (wanted: LogLevel) =>
    (...message: unknown[]) => {
      if (levels.indexOf(wanted) >= levels.indexOf(current)) log(`slack socket mode: ${message.map(String).join(' ')}`);
    };
  return {
    debug: at(LogLevel.DEBUG),
    info: at(LogLevel.INFO),
    warn: at(LogLevel.WARN),
    error: at(LogLevel.ERROR),
    setLevel: (next) => {
      current = next;
    },
    getLevel: () => current,
    setName: () => undefined,
  };
}

function explain(error: unknown): string {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  if (code === 'not_allowed_token_type' || code === 'invalid_auth' || code === 'not_authed') {
    return `Slack refused SLACK_APP_TOKEN (${String(code)}): it must be an app-level token (xapp-…) of this app with the connections:write scope`;
  }
  return error instanceof Error ? error.message : String(error);
}
