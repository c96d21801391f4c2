// ─── Slack's rate limits, by method tier, answered with 429 + Retry-After by the fake on its own ────
// https://docs.slack.dev/apis/web-api/rate-limits/: limits apply per method, per workspace, per app.
// Tier 1 allows 1+ per minute, Tier 2 20+, Tier 3 50+, Tier 4 100+, each with bursts tolerated; the
// special tier of chat.postMessage allows about one message per second per channel, short bursts
// over one allowed. The fake models each as a token bucket (capacity = the tier's per-minute count,
// refilled evenly over the minute; one per second per channel for chat.postMessage, with a burst of
// CHANNEL_BURST), so an app that paces itself passes and one that floods gets 429s. The tier of each
// method is the one its reference page states (https://docs.slack.dev/reference/methods/<method>).
//
// Off unless a test (or the bench) turns it on, on a clock it controls: the suite's tests run on a
// frozen TestClock, and a burst they make at one instant (a ticket's live message and its first
// thread lines in one channel) would then wait on a Retry-After nobody moves the clock past.

export type Tier = 1 | 2 | 3 | 4 | 'post' | 'none';

export const METHOD_TIERS: Readonly<Record<string, Tier>> = {
  'chat.postMessage': 'post',
  'chat.postEphemeral': 4,
  'chat.update': 3,
  'chat.delete': 3,
  'chat.getPermalink': 4,
  'conversations.open': 3,
  'conversations.info': 3,
  'users.info': 4,
  'users.lookupByEmail': 3,
  'users.profile.get': 4,
  'views.open': 4,
  'views.push': 4,
  'views.update': 4,
  'views.publish': 4,
  'reactions.add': 3,
  'files.info': 4,
  'apps.connections.open': 1,
  // auth.test is in the special tier with a generous limit; the app calls it once.
  'auth.test': 'none',
};

const PER_MINUTE: Record<1 | 2 | 3 | 4, number> = { 1: 1, 2: 20, 3: 50, 4: 100 };
/** A channel takes a short burst before one per second applies. */
export const CHANNEL_BURST = 3;
/** chat.postMessage's workspace-wide limit beside the per-channel one (several hundred a minute). */
const POST_PER_MINUTE = 300;

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number) {}

  /** Seconds to wait when the call is over its limit (nothing is spent then); undefined when it is let through. */
  admit(method: string, channel: string | undefined): number | undefined {
    const tier = METHOD_TIERS[method] ?? 3;
    if (tier === 'none') return undefined;
    if (tier === 'post') {
      const perChannel = this.take(`post:${channel ?? ''}`, CHANNEL_BURST, 1, false);
      if (perChannel !== undefined) return perChannel;
      const workspace = this.take('post', POST_PER_MINUTE, POST_PER_MINUTE / 60, false);
      if (workspace !== undefined) return workspace;
      this.take(`post:${channel ?? ''}`, CHANNEL_BURST, 1, true);
      this.take('post', POST_PER_MINUTE, POST_PER_MINUTE / 60, true);
      return undefined;
    }
    const perMinute = PER_MINUTE[tier];
    const wait = this.take(method, perMinute, perMinute / 60, false);
    if (wait !== undefined) return wait;
    this.take(method, perMinute, perMinute / 60, true);
    return undefined;
  }

  /** With `spend`, takes a token; without, only says how long until one is there (undefined: now). */
  private take(key: string, capacity: number, perSecond: number, spend: boolean): number | undefined {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const tokens = Math.min(capacity, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      // Retry-After is whole seconds; never 0, or a client would come straight back.
      return Math.max(1, Math.ceil((1 - tokens) / perSecond));
    }
    if (spend) this.buckets.set(key, { tokens: tokens - 1, at: now });
    else this.buckets.set(key, { tokens, at: now });
    return undefined;
  }
}
