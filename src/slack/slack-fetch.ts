// ─── How every Web API call reaches Slack: retries as Slack asks, never for a trigger ──────────────
// Slack answers a call over its rate limit with HTTP 429 and Retry-After, per method
// (https://docs.slack.dev/apis/web-api/rate-limits/). @slack/web-api's own answer pauses the whole
// client's queue for those seconds, so a views.open behind a rate-limited chat.postMessage waited
// longer than its trigger_id lives (3 s). This fetch, given to every WebClient the app makes, retries
// each call by itself instead: the call that was limited waits Retry-After and tries again; nothing
// else waits. Calls that spend a trigger_id go once, at once: a retry could only come too late.

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Methods whose trigger_id is spent by the call and expires 3 seconds after the click. */
export const TRIGGER_METHODS: ReadonlySet<string> = new Set(['views.open', 'views.push']);

/** Waits for Retry-After this many times before the call fails as rate limited. */
const RATE_LIMIT_RETRIES = 3;
/** A Retry-After longer than this is not waited for: the call fails now, and its caller's own retry (the delivery queue) takes over. */
const LONGEST_WAIT_MS = 60_000;
/** Network failures and 5xx answers: tried again twice, after 200 ms and 400 ms. */
const FAULT_RETRIES = 2;
const FAULT_BACKOFF_MS = 200;

/** How long one attempt at a Web API call may take before it is given up (Slack answers in well under a second). */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

export class SlackCallTimedOut extends Error {
  override name = 'SlackCallTimedOut';
}

function methodOf(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return new URL(url).pathname.split('/').pop() ?? '';
}

/**
 * What Slack counts a limit against: the method, and for chat.postMessage the channel too (its one
 * per second per channel, https://docs.slack.dev/apis/web-api/rate-limits/).
 */
function limitKey(method: string, init: Parameters<typeof fetch>[1]): string {
  if (method !== 'chat.postMessage') return method;
  const body = init?.body;
  let channel: string | null = null;
  if (typeof body === 'string')
    channel = body.trimStart().startsWith('{')
      ? (channelOfJson(body) ?? null)
      : new URLSearchParams(body).get('channel');
  else if (body instanceof URLSearchParams) channel = body.get('channel');
  return `${method}:${channel ?? ''}`;
}

function channelOfJson(text: string): string | undefined {
  try {
    const channel = (JSON.parse(text) as { channel?: unknown }).channel;
    return typeof channel === 'string' ? channel : undefined;
  } catch {
    return undefined;
  }
}

function retryAfterMs(response: Response): number | undefined {
  const seconds = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * The fetch for the app's WebClients (with `retryConfig: { retries: 0 }` and `rejectRateLimitedCalls:
 * true`, so the client neither retries again nor pauses its queue). `sleep` is how it waits: a test
 * passes its clock's.
 *
 * Once Slack has said "wait" for a method (or a channel, for chat.postMessage), the calls of that
 * method form a line and go one at a time, each waiting out the Retry-After it gets: a burst (hundreds
 * of Home publishes, a bulk hand-over's fifty updates) drains at the pace Slack allows instead of every
 * call collecting its own 429s until its retries run out and it is dropped. Other methods never wait.
 */
export function slackFetch(
  sleep: Sleep = realSleep,
  send: typeof fetch = globalThis.fetch,
  attemptTimeoutMs = SLACK_CALL_TIMEOUT_MS,
): typeof fetch {
  const lines = new Map<string, Promise<unknown>>();

  // Each attempt is bounded: a call Slack never answers (a hung connection) would otherwise hold its
  // notifier, and a shutdown waiting for it, forever. A timed-out call is not tried again here (Slack
  // may have acted on it); the delivery queue's own retry decides.
  async function sendBounded(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]): Promise<Response> {
    const timeout = AbortSignal.timeout(attemptTimeoutMs);
    try {
      return await send(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
    } catch (error) {
      if (timeout.aborted)
        throw new SlackCallTimedOut(`Slack did not answer ${methodOf(input)} within ${attemptTimeoutMs} ms`);
      throw error;
    }
  }

  /** Runs `work` after every call already in the method's line. */
  async function inLine(key: string, work: () => Promise<Response>): Promise<Response> {
    const ahead = lines.get(key) ?? Promise.resolve();
    const mine = ahead.then(work, work);
    const tail = mine.catch(() => undefined);
    lines.set(key, tail);
    try {
      return await mine;
    } finally {
      if (lines.get(key) === tail) lines.delete(key);
    }
  }

  /** Sends, retrying faults; with `retryRateLimits`, also waits out Retry-After (the caller holds the line). */
  async function attempt(
    input: Parameters<typeof fetch>[0],
    init: Parameters<typeof fetch>[1],
    retryRateLimits: boolean,
  ): Promise<Response> {
    let rateLimited = 0;
    let faults = 0;
    for (;;) {
      let response: Response;
      try {
        response = await sendBounded(input, init);
      } catch (error) {
        if (error instanceof SlackCallTimedOut || faults >= FAULT_RETRIES) throw error;
        await sleep(FAULT_BACKOFF_MS * 2 ** faults++);
        continue;
      }
      const wait = response.status === 429 ? retryAfterMs(response) : undefined;
      if (wait !== undefined && wait <= LONGEST_WAIT_MS && retryRateLimits && rateLimited < RATE_LIMIT_RETRIES) {
        rateLimited += 1;
        await response.body?.cancel();
        await sleep(wait);
        continue;
      }
      if (response.status >= 500 && faults < FAULT_RETRIES) {
        await response.body?.cancel();
        await sleep(FAULT_BACKOFF_MS * 2 ** faults++);
        continue;
      }
      return response;
    }
  }

  return async (input, init) => {
    const method = methodOf(input);
    if (TRIGGER_METHODS.has(method)) return sendBounded(input, init);
    const key = limitKey(method, init);
    if (lines.has(key)) return inLine(key, () => attempt(input, init, true));
    const response = await attempt(input, init, false);
    const wait = response.status === 429 ? retryAfterMs(response) : undefined;
    if (wait === undefined || wait > LONGEST_WAIT_MS) return response;
    await response.body?.cancel();
    // The first 429 opens the line: this call waits out its Retry-After at the head of it.
    return inLine(key, async () => {
      await sleep(wait);
      return attempt(input, init, true);
    });
  };
}
