import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An email bridge on loopback: receives the outbound webhook's posts, and can refuse the next ones. */
export class WebhookReceiver {
  /** Every accepted post, in order. */
  readonly received: ReceivedPost[] = [];
  private refusals = 0;
  private redirects: { status: number; location: string }[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => receiver!.answer(request.headers, Buffer.concat(chunks).toString('utf8'), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    return receiver;
  }

  /** The next `count` posts are answered 503, as a bridge that is down would. */
  refuseNext(count = 1): void {
    this.refusals += count;
  }

  /** Every post from now on is answered with a redirect to `location`, as a receiver that moved (or one that points elsewhere) would. */
  redirectTo(location: string, status = 307): void {
    this.redirects.push({ status, location });
  }

  private answer(headers: IncomingHttpHeaders, body: string, response: import('node:http').ServerResponse): void {
    const redirect = this.redirects.at(-1);
    if (redirect) {
      response.writeHead(redirect.status, { Location: redirect.location }).end();
      return;
    }
    if (this.refusals > 0) {
      this.refusals -= 1;
      response.writeHead(503).end();
      return;
    }
    this.received.push({ headers, body });
    response.writeHead(200).end('ok');
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
