import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import type { SimResponse, SlackDelivery, SlackTransport } from './requests.js';

/**
 * Slack's side of Socket Mode, as its docs describe it (docs.slack.dev/apis/events-api/using-socket-mode):
 * `apps.connections.open` gives a one-time WebSocket URL, the connection opens with `hello`, every
 * payload comes in an envelope (`envelope_id`, `type`, `payload`, `accepts_response_payload`, and for
 * events `retry_attempt`/`retry_reason`), the app acknowledges with `{envelope_id, payload?}`, and
 * Slack asks the app to reconnect with `disconnect`. Envelope shapes follow the recorded ones in
 * java-slack-sdk's tests (slack-api-client/src/test/java/test_locally/api/socket_mode/EnvelopeTest.java).
 */

export type EnvelopeType = SlackDelivery['type'];
export type DisconnectReason = 'warning' | 'refresh_requested' | 'link_disabled';

export interface SocketModeOptions {
  /**
   * How long Slack waits for an ack before it gives up on the envelope: three seconds at Slack.
   * Tests may widen it (a loaded machine must not fail a test that waits for nothing).
   */
  ackWindowMs?: number;
}

/** What came of one payload: the app's ack (on any attempt), or what Slack showed instead. */
export type SocketAnswer =
  | { acked: true; payload: Record<string, unknown>; connection: string }
  | { acked: false; error: 'dispatch_failed' | 'operation_timeout' };

/** One envelope as it went over a connection, for tests to read. */
export interface SentEnvelope {
  envelopeId: string;
  type: EnvelopeType;
  connection: string;
  retryAttempt: number;
  retryReason: string;
  payload: Record<string, any>;
  ack?: { connection: string; payload: Record<string, unknown> };
  /** The app acknowledged it on a connection that loses acks (loseAcksFrom): Slack never heard. */
  lostAck?: boolean;
}

export interface SocketConnectionInfo {
  id: string;
  /** False once Slack has told it to go (disconnect): nothing more is routed to it. */
  routable: boolean;
}

const ACK_WINDOW_MS = 3_000;
// Events API failure conditions (docs.slack.dev/apis/events-api): up to three retries, the first
// nearly at once, then after one minute, then after five.
const EVENT_RETRY_DELAYS_MS = [0, 60_000, 5 * 60_000];
// "You may receive a warning about 10 seconds before the disconnect" (the Socket Mode docs).
const DISCONNECT_GRACE_MS = 10_000;
// "Socket Mode allows your app to maintain up to 10 open WebSocket connections at the same time."
const MAX_CONNECTIONS = 10;
const LINK_PATH = '/link/';

interface Link {
  id: string;
  socket: WebSocket;
  routable: boolean;
  losesAcks: boolean;
  closeTimer?: NodeJS.Timeout;
}

/** One payload across its attempts (events are retried; commands and interactions are not). */
interface Delivery {
  type: EnvelopeType;
  payload: Record<string, any>;
  attempt: number;
  reason: string;
  settle: (answer: SocketAnswer) => void;
  ackTimer?: NodeJS.Timeout;
  retryTimer?: NodeJS.Timeout;
}

const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Which payloads Slack lets the app answer in its ack: a slash command's message, a modal's
 * response_action, a menu's options. Buttons, shortcuts and events: no (java-slack-sdk's recorded envelopes).
 */
function acceptsResponsePayload(type: EnvelopeType, payload: Record<string, any>): boolean {
  if (type === 'slash_commands') return true;
  if (type === 'interactive') return payload.type === 'view_submission' || payload.type === 'block_suggestion';
  return false;
}

export class SocketModeServer {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly links = new Map<string, Link>();
  private readonly awaitingAck = new Map<string, Delivery>();
  private readonly scheduledRetries = new Set<Delivery>();
  private readonly waitingForConnection: Delivery[] = [];
  private readonly sent: SentEnvelope[] = [];
  private readonly watchers: (() => void)[] = [];
  private readonly ackWindowMs: number;
  private steering: ((routable: string[]) => string | undefined) | undefined;
  private turn = 0;
  private counter = 0;

  constructor(
    private readonly origin: string,
    private readonly appId: string,
    options: SocketModeOptions = {},
  ) {
    this.ackWindowMs = options.ackWindowMs ?? ACK_WINDOW_MS;
  }

  /** apps.connections.open: a URL that opens one connection (each call gives a new one). */
  open(): Record<string, unknown> {
    const ticket = randomBytes(12).toString('hex');
    this.tickets.add(ticket);
    // Slack's URL is wss://wss-primary.slack.com/link/?ticket=…; the fake serves plain ws on loopback.
    return { ok: true, url: `${this.origin.replace(/^http/, 'ws')}${LINK_PATH}?ticket=${ticket}&app_id=${this.appId}` };
  }

  /** Takes the HTTP upgrade for a Socket Mode URL; false when the request is for something else. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? '/', this.origin);
    if (url.pathname !== LINK_PATH) return false;
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
    return true;
  }

  // ─── What tests and the simulator use ─────────────────────────────────────────────────────

  /**
   * Sends a payload to the app over one of its connections, as Slack does, and resolves with its
   * ack, or with what Slack showed the person when none came: `dispatch_failed` (no connection),
   * `operation_timeout` (no ack within the window). Events are retried before that.
   */
  deliver(
    type: EnvelopeType,
    payload: Record<string, any>,
    options: { retryAttempt?: number; retryReason?: string } = {},
  ): Promise<SocketAnswer> {
    return new Promise((resolve) => {
      this.send({
        type,
        payload,
        attempt: options.retryAttempt ?? 0,
        reason: options.retryReason ?? '',
        settle: resolve,
      });
    });
  }

  /**
   * One envelope exactly as given, never retried: what a probe crafts rather than what Slack sends
   * (an `events_api` envelope with no event, an envelope_id sent again). Answered as `deliver` is.
   */
  deliverAsIs(envelope: Record<string, unknown>): Promise<SocketAnswer> {
    return new Promise((resolve) => {
      const link = this.pickLink();
      if (link === undefined) {
        resolve({ acked: false, error: 'dispatch_failed' });
        return;
      }
      const envelopeId = typeof envelope.envelope_id === 'string' ? envelope.envelope_id : randomUUID();
      // Counted as a last attempt, so a missed ack ends it instead of retrying it.
      const delivery: Delivery = {
        type: 'slash_commands',
        payload: {},
        attempt: EVENT_RETRY_DELAYS_MS.length,
        reason: '',
        settle: resolve,
      };
      this.awaitingAck.set(envelopeId, delivery);
      delivery.ackTimer = setTimeout(() => this.missedAck(envelopeId), this.ackWindowMs).unref();
      link.socket.send(JSON.stringify(envelope));
    });
  }

  /** Slack asks the app to reconnect: that connection gets no more envelopes. */
  disconnect(connectionId: string, reason: DisconnectReason): void {
    const link = this.links.get(connectionId);
    if (link === undefined) throw new Error(`no open Socket Mode connection ${connectionId}`);
    link.routable = false;
    link.socket.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake' } }));
    // Slack closes the connection itself if the app does not.
    link.closeTimer = setTimeout(() => link.socket.terminate(), DISCONNECT_GRACE_MS).unref();
  }

  /** The open connections, oldest first. */
  connections(): SocketConnectionInfo[] {
    return [...this.links.values()].map((link) => ({ id: link.id, routable: link.routable }));
  }

  /**
   * Resolves once `condition` holds, checked again whenever a connection opens or closes and
   * whenever an envelope or an ack passes: the app reconnects and answers on its own time.
   */
  async waitUntil(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.watchers.push(resolve));
  }

  /**
   * Slack sends each envelope to any one of the open connections; by default the fake takes them in
   * turn. A test may choose instead (by connection id), to put an envelope on a given replica.
   */
  steer(choose: ((routable: string[]) => string | undefined) | undefined): void {
    this.steering = choose;
  }

  /** The network loses every ack sent over this connection (the app acts, Slack never hears of it). */
  loseAcksFrom(connectionId: string): void {
    const link = this.links.get(connectionId);
    if (link === undefined) throw new Error(`no open Socket Mode connection ${connectionId}`);
    link.losesAcks = true;
  }

  /** Slack's wait is over for every envelope still unacknowledged: events go to their retry. */
  expireAckWindows(): void {
    for (const envelopeId of [...this.awaitingAck.keys()]) this.missedAck(envelopeId);
  }

  /** Every scheduled event retry is due now (as if the minute, or five, had passed). */
  retryNow(): void {
    for (const delivery of [...this.scheduledRetries]) {
      clearTimeout(delivery.retryTimer);
      this.scheduledRetries.delete(delivery);
      this.send(delivery);
    }
  }

  envelopes(): SentEnvelope[] {
    return this.sent.map((envelope) => structuredClone(envelope));
  }

  async close(): Promise<void> {
    for (const delivery of [...this.awaitingAck.values(), ...this.scheduledRetries, ...this.waitingForConnection]) {
      clearTimeout(delivery.ackTimer);
      clearTimeout(delivery.retryTimer);
      delivery.settle({ acked: false, error: 'dispatch_failed' });
    }
    this.awaitingAck.clear();
    this.scheduledRetries.clear();
    this.waitingForConnection.length = 0;
    for (const link of this.links.values()) {
      clearTimeout(link.closeTimer);
      link.socket.terminate();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // ─── Connections ──────────────────────────────────────────────────────────────────────────

  private accept(socket: WebSocket): void {
    const link: Link = { id: `conn-${++this.counter}`, socket, routable: false, losesAcks: false };
    socket.on('close', () => {
      clearTimeout(link.closeTimer);
      this.links.delete(link.id);
      this.changed();
    });
    socket.on('error', () => socket.terminate());
    if (this.links.size >= MAX_CONNECTIONS) {
      // The reason the SDKs know for one connection too many (node-slack-sdk #1762).
      socket.send(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets' }));
      socket.close();
      return;
    }
    this.links.set(link.id, link);
    socket.on('message', (data, isBinary) => this.receive(link, data, isBinary));
    link.routable = true;
    socket.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.links.size,
        debug_info: { host: 'applink-fake', build_number: 1, approximate_connection_time: 18_060 },
        connection_info: { app_id: this.appId },
      }),
    );
    for (const delivery of this.waitingForConnection.splice(0)) this.send(delivery);
    this.changed();
  }

  private changed(): void {
    for (const wake of this.watchers.splice(0)) wake();
  }

  private routableLinks(): Link[] {
    return [...this.links.values()].filter((link) => link.routable && link.socket.readyState === link.socket.OPEN);
  }

  private pickLink(): Link | undefined {
    const routable = this.routableLinks();
    if (routable.length === 0) return undefined;
    if (this.steering !== undefined) {
      const chosen = this.steering(routable.map((link) => link.id));
      const link = routable.find((candidate) => candidate.id === chosen);
      if (link !== undefined) return link;
    }
    return routable[this.turn++ % routable.length];
  }

  // ─── Envelopes ────────────────────────────────────────────────────────────────────────────

  private send(delivery: Delivery): void {
    const link = this.pickLink();
    if (link === undefined) {
      // An event waits for the app to come back (its retries would); a click or command fails at once.
      if (delivery.type === 'events_api') this.waitingForConnection.push(delivery);
      else delivery.settle({ acked: false, error: 'dispatch_failed' });
      return;
    }
    // A new envelope per attempt: an event's identity across retries is its event_id.
    const envelopeId = randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload: delivery.payload,
      type: delivery.type,
      accepts_response_payload: acceptsResponsePayload(delivery.type, delivery.payload),
      ...(delivery.type === 'events_api' ? { retry_attempt: delivery.attempt, retry_reason: delivery.reason } : {}),
    };
    this.sent.push({
      envelopeId,
      type: delivery.type,
      connection: link.id,
      retryAttempt: delivery.attempt,
      retryReason: delivery.reason,
      payload: structuredClone(delivery.payload),
    });
    this.awaitingAck.set(envelopeId, delivery);
    delivery.ackTimer = setTimeout(() => this.missedAck(envelopeId), this.ackWindowMs).unref();
    link.socket.send(JSON.stringify(envelope));
    this.changed();
  }

  private receive(link: Link, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (!isObject(message) || typeof message.envelope_id !== 'string') return;
    const record = this.sent.find((envelope) => envelope.envelopeId === message.envelope_id);
    if (link.losesAcks) {
      if (record !== undefined) record.lostAck = true;
      this.changed();
      return;
    }
    // Acks are taken on any of the app's connections: python-slack-sdk acknowledges on its current
    // session, which after a refresh is not the one the envelope came on (socket_mode/builtin/client.py).
    const delivery = this.awaitingAck.get(message.envelope_id);
    if (delivery === undefined) return; // late: Slack gave up on this envelope already
    this.awaitingAck.delete(message.envelope_id);
    clearTimeout(delivery.ackTimer);
    const payload = isObject(message.payload) ? message.payload : {};
    if (record !== undefined) record.ack = { connection: link.id, payload: structuredClone(payload) };
    delivery.settle({ acked: true, payload, connection: link.id });
    this.changed();
  }

  private missedAck(envelopeId: string): void {
    const delivery = this.awaitingAck.get(envelopeId);
    if (delivery === undefined) return;
    this.awaitingAck.delete(envelopeId);
    clearTimeout(delivery.ackTimer);
    // Only events are retried; a person who clicked sees Slack's error instead.
    if (delivery.type !== 'events_api' || delivery.attempt >= EVENT_RETRY_DELAYS_MS.length) {
      delivery.settle({ acked: false, error: 'operation_timeout' });
      return;
    }
    const delay = EVENT_RETRY_DELAYS_MS[delivery.attempt] ?? 0;
    delivery.attempt += 1;
    delivery.reason = 'timeout';
    if (delay === 0) {
      this.send(delivery);
      return;
    }
    this.scheduledRetries.add(delivery);
    delivery.retryTimer = setTimeout(() => {
      this.scheduledRetries.delete(delivery);
      this.send(delivery);
    }, delay).unref();
  }
}

/** The request simulator's second transport: the same payloads, as envelopes over the fake's socket. */
export function socketModeTransport(server: SocketModeServer): SlackTransport {
  return {
    async deliver(delivery: SlackDelivery): Promise<SimResponse> {
      const retry =
        delivery.retryAttempt === undefined
          ? {}
          : { retryAttempt: delivery.retryAttempt, retryReason: delivery.retryReason ?? 'timeout' };
      const answer = await server.deliver(delivery.type, delivery.payload, retry);
      if (!answer.acked) return { status: 0, body: '', error: answer.error };
      // An ack without a payload is what an empty HTTP 200 is.
      if (Object.keys(answer.payload).length === 0) return { status: 200, body: '' };
      return { status: 200, body: JSON.stringify(answer.payload), json: answer.payload };
    },
  };
}
