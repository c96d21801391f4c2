import { App, ExpressReceiver, LogLevel } from '@slack/bolt';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackClientSim } from '../src/fake-slack/requests.js';
import type { FakeSlack } from '../src/fake-slack/server.js';

/** The signing secret of every app a bench starts, deskbolt and the bare Bolt app alike. */
export const SECRET = 'bench-signing-secret';

export interface BareBolt {
  slack: SlackClientSim;
  restUrl: string;
  close(): Promise<void>;
}

/** A Bolt app that only acknowledges (commands, buttons, submissions, events), and an express route that only answers 201. */
export async function startBareBolt(fake: FakeSlack): Promise<BareBolt> {
  const http = express();
  const receiver = new ExpressReceiver({ signingSecret: SECRET, app: http, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
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
  app.command('/ticket', async ({ ack }) => ack());
  app.action(/.*/, async ({ ack }) => ack());
  app.view(/.*/, async ({ ack }) => ack());
  app.event('app_home_opened', async () => undefined);
  app.message(async () => undefined);
  http.post('/api/v1/tickets', express.json(), (_request, response) => {
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

