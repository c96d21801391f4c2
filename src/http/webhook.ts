import { createHmac } from 'node:crypto';

/**
 * The outbound webhook: deskbolt tells an email/web bridge what its requesters should hear. Each
 * delivery is signed like Slack's own requests (HMAC-SHA256 of `timestamp.body` with the shared
 * secret), so the bridge can refuse forgeries and replays.
 */
export interface OutboundWebhook {
  url: string;
  secret: string;
}

export const WEBHOOK_TIMEOUT_MS = 5_000;

export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Sends once; a refusal or timeout is thrown for the caller to record. */
export async function sendWebhook(webhook: OutboundWebhook, payload: unknown, now: Date): Promise<void> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const response = await fetch(webhook.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Deskbolt-Timestamp': timestamp,
      'X-Deskbolt-Signature': webhookSignature(webhook.secret, timestamp, body),
    },
    body,
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
}
