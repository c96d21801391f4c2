import { createHmac } from 'node:crypto';

/**
 * The outbound webhook: deskbolt tells an email/web bridge what its requesters should hear. Each
 * delivery is signed as the workspace file documents it (HMAC-SHA256 of the body with the shared
 * secret, in X-Deskbolt-Signature); the body carries `sentAt`, so a bridge can also refuse replays.
 */
export interface OutboundWebhook {
  url: string;
  secret: string;
}

export const WEBHOOK_TIMEOUT_MS = 5_000;

export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Sends once; a refusal or timeout is thrown for the caller to record. */
export async function sendWebhook(webhook: OutboundWebhook, payload: Record<string, unknown>, now: Date): Promise<void> {
  const body = JSON.stringify({ ...payload, sentAt: now.toISOString() });
  const response = await fetch(webhook.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Deskbolt-Signature': webhookSignature(webhook.secret, body) },
    body,
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`the webhook answered ${response.status}`);
}
