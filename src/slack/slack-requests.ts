import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { SeenIdStore } from '../store/seen.js';
import type { DatabaseReach } from '../store/store.js';

/**
 * The largest body /slack/events reads. Slack's payloads are small and bounded by Slack's own limits:
 * a message's text is at most 40,000 characters, a message at most 50 blocks and a modal at most 100,
 * private_metadata at most 3,000 characters. The largest request deskbolt can be sent — a message
 * shortcut on a 40,000-character message (its text and its rich-text copy, non-ASCII characters sent
 * as \uXXXX and then form-encoded, 8 bytes each) — is about 640 KB; deskbolt's own views stay far below.
 * 1 MiB leaves room and refuses the rest (Bolt's own default is 4 MB).
 */
export const SLACK_BODY_LIMIT_BYTES = 1024 * 1024;

/** Slack's rule: a request whose timestamp is more than five minutes from now may be a replay. */
export const SLACK_REQUEST_WINDOW_MS = 5 * 60_000;

export interface SlackRequestChecksOptions {
  signingSecret: string;
  seen: SeenIdStore;
  /** The signature is remembered within Slack's three seconds, or in memory when the database is away. */
  reach?: DatabaseReach;
  /** Slack signs with its wall clock, so the window is measured on ours (the system clock in production). */
  clock: Clock;
  log: Log;
}

/**
 * What only the HTTP door needs, in front of Bolt's ExpressReceiver: a bounded body, a timestamp
 * within five minutes of now either way, a valid signature, and a signature not seen before.
 *
 * Slack's signature covers the timestamp and the body, so a captured request stays valid for the
 * whole window and could be sent again; Bolt checks only that the timestamp is not too old. A
 * signature is remembered (in `seen_ids`, shared by every replica) until its timestamp leaves the
 * window, and a request that repeats one is answered as Slack's own retries are — 200, nothing done.
 * (docs.slack.dev/authentication/verifying-requests-from-slack)
 */
export function slackRequestChecks(options: SlackRequestChecksOptions): RequestHandler {
  // While the database is away, signatures are remembered in this process: a replay to this replica is
  // still refused, and the person who acted is told what happened (the listeners say the database is
  // away) instead of Slack showing them a bare failure. A replay sent to another replica in that window
  // is the one gap, and the event-id and click memories behind it still catch what they can.
  const fallback = new Map<string, number>();
  const firstTime = async (key: string, now: Date, rememberMs: number): Promise<boolean> => {
    try {
      if (options.reach?.seemsAway()) throw new Error('the database is unreachable right now');
      const remember = () => options.seen.firstTime(key, now, rememberMs);
      return await (options.reach ? options.reach.within(remember) : remember());
    } catch (error) {
      options.log(
        `slack: the database is away; request signatures are remembered in memory meanwhile: ${(error as Error).message}`,
      );
      for (const [seenKey, until] of fallback) if (until <= now.getTime()) fallback.delete(seenKey);
      if (fallback.has(key)) return false;
      fallback.set(key, now.getTime() + rememberMs);
      return true;
    }
  };
  const check = async (request: Request, response: Response, next: NextFunction) => {
    const body = await readBody(request, SLACK_BODY_LIMIT_BYTES);
    if (body === 'too-large') {
      // What is left of the body is never read: the connection closes once the answer is out.
      response
        .set('Connection', 'close')
        .status(413)
        .type('text')
        .send(`A Slack request is at most ${SLACK_BODY_LIMIT_BYTES} bytes.`);
      return;
    }
    const verdict = verifySlackSignature(options.signingSecret, request.headers, body, options.clock().getTime());
    if (!verdict.ok) {
      options.log(`slack: refused a request to /slack/events: ${verdict.reason}`);
      response.status(401).type('text').send(verdict.reason);
      return;
    }
    const now = options.clock();
    const rememberMs = verdict.timestampMs + SLACK_REQUEST_WINDOW_MS - now.getTime() + 1_000;
    if (!(await firstTime(`signature:${verdict.signature}`, now, rememberMs))) {
      response.status(200).end();
      return;
    }
    // Bolt uses req.rawBody when it is there instead of reading the stream again.
    (request as Request & { rawBody?: Buffer }).rawBody = body;
    next();
  };
  return (request, response, next) => {
    check(request, response, next).catch((error: unknown) => {
      options.log(`slack: could not check a request: ${(error as Error).message}`, error);
      if (!response.headersSent)
        response.status(500).type('text').send('deskbolt could not check this request; try again.');
    });
  };
}

/**
 * The body, or 'too-large' as soon as it is known to be: from its declared length before a byte is
 * read, else once the bytes read pass the limit. (express.raw would read off the whole body first.)
 */
function readBody(request: Request, limit: number): Promise<Buffer | 'too-large'> {
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > limit) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData).off('end', onEnd).off('error', reject);
      request.pause();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        stop();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(Buffer.concat(chunks, size));
    request.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

export type SignatureVerdict = { ok: true; signature: string; timestampMs: number } | { ok: false; reason: string };

/** Slack's v0 signature: HMAC-SHA256 of `v0:<timestamp>:<body>` with the signing secret, as hex. */
export function verifySlackSignature(
  secret: string,
  headers: Request['headers'],
  body: Buffer,
  nowMs: number,
): SignatureVerdict {
  const timestampText = headers['x-slack-request-timestamp'];
  const signatureText = headers['x-slack-signature'];
  if (typeof timestampText !== 'string' || typeof signatureText !== 'string')
    return { ok: false, reason: 'the request is not signed' };
  if (!/^\d{1,12}$/.test(timestampText))
    return { ok: false, reason: 'the request timestamp is not a number of seconds' };
  const timestampMs = Number(timestampText) * 1000;
  if (Math.abs(nowMs - timestampMs) > SLACK_REQUEST_WINDOW_MS)
    return { ok: false, reason: 'the request timestamp is more than five minutes from now' };
  const match = /^v0=([0-9a-f]{64})$/.exec(signatureText);
  if (!match) return { ok: false, reason: 'the signature is not a v0 signature' };
  const expected = createHmac('sha256', secret).update(`v0:${timestampText}:`).update(body).digest();
  if (!timingSafeEqual(Buffer.from(match[1]!, 'hex'), expected))
    return { ok: false, reason: 'the signature does not match' };
  return { ok: true, signature: match[1]!, timestampMs };
}
