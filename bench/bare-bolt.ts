import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import express from 'express';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import type { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';

/** The signing secret of every app a bench starts, deskbolt and the bare Bolt app alike. */
export const SECRET = 'bench-signing-secret';

export interface BareBolt {
  slack: SlackClientSim;
  restUrl: string;
  close(): Promise<void>;
}

/**
 * A Bolt app that only acknowledges (commands, buttons, submissions, events), and an express route that
 * only answers 201. Given a store, it first records each request's id in it, as deskbolt must (the
 * replay check before acting): the floor an ack that writes to the same database can reach.
 */
export async function startBareBolt(fake: FakeSlack, recordRequestsIn?: Store): Promise<BareBolt> {
  const http = express();
  const receiver = new ExpressReceiver({
    signingSecret: SECRET,
    app: http,
    endpoints: '/slack/events',
    logLevel: LogLevel.ERROR,
  });
  // Its identity is given, so Bolt does not call auth.test before its first listener.
  const app = new App({
    token: fake.token,
    botId: fake.botId,
    botUserId: fake.botUserId,
    receiver,
    clientOptions: { slackApiUrl: fake.apiUrl },
    tokenVerificationEnabled: false,
    logLevel: LogLevel.ERROR,
  });
  // The same write deskbolt makes (a seen id, kept for Slack's five minutes), under an id of its own.
  const remember = async () => {
    if (recordRequestsIn)
      await recordRequestsIn.seen.firstTime(`signature:bare-${randomUUID()}`, new Date(), 6 * 60_000);
  };
  app.command('/ticket', async ({ ack }) => {
    await remember();
    await ack();
  });
  app.action(/.*/, async ({ ack }) => {
    await remember();
    await ack();
  });
  app.view(/.*/, async ({ ack }) => {
    await remember();
    await ack();
  });
  app.event('app_home_opened', async () => remember());
  app.message(async () => remember());
  http.post('/api/v1/tickets', express.json(), async (_request, response) => {
    await remember();
    response.status(201).json({ ticket: { number: 1 } });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = http.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    slack: new SlackClientSim({ url: `${origin}/slack/events`, signingSecret: SECRET, fake }),
    restUrl: `${origin}/api/v1/tickets`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
