import { createServer, type Server, type Socket } from 'node:net';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMTP_TIMEOUTS_MS, smtpTransportOptions } from '../src/email/outgoing.js';

/**
 * An SMTP server that takes the connection and never says hello: with nodemailer's defaults a send
 * waits 30 s for the greeting (and up to 10 minutes of silence later on), holding its delivery and a
 * shutdown. The transport deskbolt makes for SMTP_URL gives up within its own timeouts instead.
 */
describe('a mail server that never answers', () => {
  let silent: Server;
  let port: number;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('every step of the SMTP_URL transport has a timeout, none of them nodemailer’s minutes-long defaults', () => {
    const options = smtpTransportOptions('smtp://desk:secret@mail.example:587');
    expect(options).toMatchObject({
      url: 'smtp://desk:secret@mail.example:587',
      connectionTimeout: SMTP_TIMEOUTS_MS.connection,
      greetingTimeout: SMTP_TIMEOUTS_MS.greeting,
      socketTimeout: SMTP_TIMEOUTS_MS.socket,
    });
    expect(Math.max(...Object.values(SMTP_TIMEOUTS_MS))).toBeLessThanOrEqual(30_000);
  });

  it('a send to it fails with a timeout instead of waiting for ever', async () => {
    const transport = nodemailer.createTransport(
      smtpTransportOptions(`smtp://127.0.0.1:${port}`, { connection: 500, greeting: 500, socket: 500 }),
    );
    const sent = transport.sendMail({ from: 'support@acme.example', to: 'val@example.com', subject: 'x', text: 'y' });
    await expect(sent).rejects.toMatchObject({ code: expect.stringMatching(/ETIMEDOUT|ECONNECTION|ESOCKET/) });
    transport.close();
  });
});
