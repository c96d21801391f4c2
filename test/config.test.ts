import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';

describe('configuration from the environment', () => {
  it('reads a complete HTTP-mode environment with defaults', () => {
    const result = loadConfig({ SLACK_SIGNING_SECRET: 's3cret', SLACK_BOT_TOKEN: 'xoxb-1' });
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.config.pendingCloseDays).toBe(3);
      expect(result.config.port).toBe(3000);
      expect(result.config.timeZone).toBe('UTC');
    }
  });

  it('names every problem on its own line, never a stack trace', () => {
    const result = loadConfig({
      SLACK_BOT_TOKEN: 'abc',
      PORT: 'eighty',
      PENDING_CLOSE_DAYS: '-1',
      TZ: 'Mars/Olympus',
      MONGODB_URI: 'postgres://x',
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      const variables = result.problems.map((line) => line.split(':')[0]);
      expect(variables.sort()).toEqual([
        'MONGODB_URI',
        'PENDING_CLOSE_DAYS',
        'PORT',
        'SLACK_BOT_TOKEN',
        'SLACK_SIGNING_SECRET',
        'TZ',
      ]);
      expect(result.problems.join('\n')).toContain('SLACK_SIGNING_SECRET: required in HTTP mode');
    }
  });

  it('needs no signing secret in Socket Mode', () => {
    const result = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });
    expect(result.ok).toBe(true);
  });

  it('takes a metrics port and token, and says in one line each what is wrong with them', () => {
    const token = 'a-metrics-token-of-32-characters';
    const good = loadConfig({
      SLACK_SIGNING_SECRET: 's3cret',
      SLACK_BOT_TOKEN: 'xoxb-1',
      METRICS_PORT: '9464',
      METRICS_TOKEN: token,
    });
    expect(good.ok && { port: good.config.metricsPort, token: good.config.metricsToken }).toEqual({
      port: 9464,
      token,
    });

    const bad = loadConfig({
      SLACK_SIGNING_SECRET: 's3cret',
      SLACK_BOT_TOKEN: 'xoxb-1',
      METRICS_PORT: '3000',
      METRICS_TOKEN: 'short',
    });
    expect(bad.ok ? [] : bad.problems).toEqual([
      'METRICS_TOKEN: at least 16 characters: it is all that guards /metrics',
      'METRICS_PORT: must differ from PORT (3000); leave it unset to serve /metrics on PORT',
    ]);
  });
});
