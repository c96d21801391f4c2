import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxDesk } from '../src/sandbox/desk.js';
import { sandboxExposureWarning } from '../src/sandbox/exposure.js';
import { startTestSandbox, type TestSandbox } from './support/sandbox.js';

/**
 * The sandbox has no sign-in. A page on another name resolving to 127.0.0.1 (DNS rebinding) sends its
 * own Host; a foreign page's POST carries its Origin: both are refused before any route runs.
 */
describe('the sandbox answers its own page only', () => {
  let sandbox: SandboxDesk;
  let testSandbox: TestSandbox | undefined;
  let port: number;

  beforeAll(async () => {
    testSandbox = await startTestSandbox('sandboxexposure');
    ({ sandbox } = testSandbox);
    port = sandbox.deskbolt.port;
  });
  afterAll(async () => {
    await testSandbox?.close();
  });

  /** node:http, since fetch will not send a Host of the caller's choosing. */
  function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, method, path, headers }, (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  it('refuses a foreign Host on the page, its API and the Slack door; serves its own names', async () => {
    for (const path of ['/', '/sandbox/api/workspace']) {
      expect((await send('GET', path, { Host: `rebound.example:${port}` })).status).toBe(421);
      expect((await send('GET', path, { Host: `127.0.0.1:${port}` })).status).toBe(200);
      expect((await send('GET', path, { Host: `localhost:${port}` })).status).toBe(200);
    }
    expect(
      (
        await send(
          'POST',
          '/slack/events',
          { Host: `rebound.example:${port}`, 'Content-Type': 'application/json' },
          '{}',
        )
      ).status,
    ).toBe(421);
  });

  it('refuses a change from a foreign Origin and leaves the desk as it was; takes its own page’s', async () => {
    const reset = (origin: string) =>
      send(
        'POST',
        '/sandbox/api/reset',
        { Host: `127.0.0.1:${port}`, Origin: origin, 'Content-Type': 'application/json' },
        '{}',
      );
    const foreign = await reset('http://attacker.example');
    expect(foreign.status).toBe(403);
    expect((await reset(`http://127.0.0.1:${port}`)).status).toBe(200);
  });

  it('warns on start when SANDBOX_HOST opens it beyond this machine, and not on loopback', () => {
    expect(sandboxExposureWarning('127.0.0.1')).toBeUndefined();
    expect(sandboxExposureWarning('localhost')).toBeUndefined();
    expect(sandboxExposureWarning('0.0.0.0')).toContain('anyone who reaches it can be anyone of the workspace');
    expect(sandboxExposureWarning('10.0.0.5')).toContain('SANDBOX_HOST=10.0.0.5');
  });
});
