import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Job } from '../src/jobs/job.js';
import { structuredLog, withLogContext } from '../src/log.js';
import { startTestDesk } from './support/harness.js';

/** A log stream a test reads back: every line pino wrote, parsed, and the raw text to search for leaks. */
function capture(level = 'debug') {
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      raw.push(String(chunk));
      done();
    },
  });
  const { log, logger } = structuredLog({ level, destination, pretty: false });
  const lines = () =>
    raw
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { log, logger, lines, text: () => raw.join('') };
}

describe('structured logs', () => {
  it('puts the request id, the ticket and the level on each line, and never a token or what a person wrote', () => {
    const { log, logger, lines, text } = capture();
    withLogContext({ requestId: 'Ev0123', ticket: 1042 }, () => {
      log(
        'notifier failed',
        Object.assign(new Error('channel_not_found'), {
          token: 'xoxb-secret-1',
          headers: { authorization: 'Bearer xoxb-secret-2' },
        }),
      );
      logger.info(
        { token: 'xoxb-secret-3', message: { text: 'my card number is 4111' }, signingSecret: 'shh' },
        'posted',
      );
    });
    const [fault, posted] = lines();
    expect(fault).toMatchObject({
      level: 50,
      msg: 'notifier failed',
      requestId: 'Ev0123',
      ticket: 1042,
      fault: { message: 'channel_not_found', type: 'Error' },
    });
    expect(posted).toMatchObject({
      level: 30,
      msg: 'posted',
      requestId: 'Ev0123',
      ticket: 1042,
      token: '[Redacted]',
      message: { text: '[Redacted]' },
      signingSecret: '[Redacted]',
    });
    expect(text()).not.toMatch(/xoxb-secret|4111|shh/);
  });

  it('leaves out lines below LOG_LEVEL', () => {
    const { log, logger, lines } = capture('error');
    logger.info('started');
    log('a warning');
    log('a fault', new Error('boom'));
    expect(lines().map((line) => line.msg)).toEqual(['a fault']);
  });

  it("names the job on what a job run logs, through the real app's job runner", async () => {
    const { log, lines, text } = capture();
    const desk = await startTestDesk({ log });
    try {
      const probe: Job = {
        name: 'log-probe',
        schedule: '0 * * * *',
        async run(_desk, _now, context) {
          context.log(
            'probe: a delivery failed',
            Object.assign(new Error('invalid_auth'), { data: { error: 'invalid_auth', token: 'xoxb-secret-4' } }),
          );
        },
      };
      await desk.deskbolt.jobs.run(probe);
      expect(lines().find((line) => line.msg === 'probe: a delivery failed')).toMatchObject({
        level: 50,
        job: 'log-probe',
        fault: { message: 'invalid_auth' },
      });
      expect(text()).not.toContain('xoxb-secret-4');
    } finally {
      await desk.close();
    }
  });

  it('answers a REST request with the X-Request-Id it was given, or one of its own', async () => {
    const { log } = capture();
    const desk = await startTestDesk({ log });
    try {
      const base = desk.deskbolt.url.replace('/slack/events', '/api/v1');
      const given = await fetch(`${base}/tickets/1`, { headers: { 'X-Request-Id': 'req-abc.1' } });
      expect(given.headers.get('x-request-id')).toBe('req-abc.1');
      const hostile = await fetch(`${base}/tickets/1`, { headers: { 'X-Request-Id': 'a b<script>' } });
      expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await desk.close();
    }
  });
});
