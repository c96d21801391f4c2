import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { privateRangeOf, privateRangeOfLiteral, rangeWords } from '../workspace/private-networks.js';

export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** The workspace's outboundWebhook.allowPrivateNetwork: a bridge on the same host or network. */
  allowPrivateNetwork: boolean;
}

/**
 * One POST to the outbound webhook. Resolves with the status when the receiver answered 2xx;
 * anything else is thrown as a reason the ticket shows. Two rules make the webhook safe to point
 * anywhere an administrator types:
 * - A redirect is not followed. The body is signed for the receiver the workspace names; a 307 or
 *   308 would re-send it to whatever address the redirect names. node:http never follows one, and
 *   a 3xx counts as a failed delivery (retried, shown on the ticket).
 * - The address connected to is checked, not just the name: the hostname is resolved by the same
 *   lookup the connection then uses, so a name that resolves to a private address — at the time
 *   of sending, whatever it resolved to before — is refused before any byte is sent.
 */
export async function postWebhook(post: WebhookPost): Promise<number> {
  const url = new URL(post.url);
  if (!post.allowPrivateNetwork) {
    const range = privateRangeOfLiteral(url.hostname);
    if (range)
      throw new Error(`${url.hostname} is ${rangeWords(range)}; set outboundWebhook.allowPrivateNetwork to post there`);
  }
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      signal: AbortSignal.timeout(post.timeoutMs),
      ...(post.allowPrivateNetwork ? {} : { lookup: publicOnlyLookup(url.hostname) }),
    });
    outgoing.once('response', resolve);
    outgoing.once('error', (error) =>
      reject(
        error.name === 'AbortError' ? new Error(`the webhook did not answer within ${post.timeoutMs / 1000} s`) : error,
      ),
    );
    outgoing.end(post.body);
  });
  // Nothing of the answer is needed but its status; reading it lets the connection close cleanly.
  response.resume();
  const status = response.statusCode ?? 0;
  if (status >= 300 && status < 400) {
    const location = response.headers.location ? ` to ${String(response.headers.location).slice(0, 200)}` : '';
    throw new Error(`the webhook answered HTTP ${status} (a redirect${location}), and redirects are not followed`);
  }
  if (status < 200 || status >= 300) throw new Error(`the webhook answered HTTP ${status}`);
  return status;
}

/** dns.lookup, refusing when any address the name resolves to is private: the connection uses what this returns. */
function publicOnlyLookup(hostname: string): LookupFunction {
  return (name, options, callback) => {
    dnsLookup(name, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const inside = addresses
        .map((entry) => ({ entry, range: privateRangeOf(entry.address) }))
        .find(({ range }) => range !== null);
      if (inside) {
        const refusal = new Error(
          `${hostname} resolves to ${inside.entry.address}, ${rangeWords(inside.range!)}; set outboundWebhook.allowPrivateNetwork to post there`,
        );
        return callback(refusal as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return callback(null, addresses as never, 0);
      const first = addresses[0]!;
      callback(null, first.address, first.family);
    });
  };
}
