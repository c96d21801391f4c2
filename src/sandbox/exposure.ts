import type { NextFunction, Request, Response } from 'express';

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const EVERY_INTERFACE = new Set(['0.0.0.0', '::', '[::]']);

function hostnameOf(host: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return `[${bracketed[1]!.toLowerCase()}]`;
  return host.replace(/:\d+$/, '').toLowerCase();
}

/** Whether the sandbox listens beyond this machine. */
export function opensBeyondLoopback(listenHost: string): boolean {
  return !LOOPBACK_NAMES.has(listenHost.toLowerCase()) && !/^127\./.test(listenHost);
}

/** What the sandbox says on start when SANDBOX_HOST opens it; undefined on loopback. */
export function sandboxExposureWarning(listenHost: string): string | undefined {
  if (!opensBeyondLoopback(listenHost)) return undefined;
  return (
    `deskbolt sandbox: WARNING: SANDBOX_HOST=${listenHost} opens the sandbox beyond this machine. It has no sign-in: ` +
    'anyone who reaches it can be anyone of the workspace, read every conversation and Reset the desk. Keep it on a network you trust.'
  );
}

/**
 * The sandbox has no sign-in, so two browser tricks are refused before any route: a page on another
 * name that resolves to this address (DNS rebinding) is told apart by its Host header, and a foreign
 * page's POST by its Origin. Host names allowed: loopback's, and SANDBOX_HOST's own when it names
 * one (listening on every interface, any name is taken: the start warning says what that means).
 */
export function sandboxSameOriginOnly(listenHost: string) {
  const anyName = EVERY_INTERFACE.has(listenHost);
  const names = new Set([...LOOPBACK_NAMES, hostnameOf(listenHost)]);
  return (request: Request, response: Response, next: NextFunction): void => {
    const host = request.headers.host ?? '';
    if (!anyName && !names.has(hostnameOf(host))) {
      response
        .status(421)
        .type('text')
        .send(
          `This sandbox answers to ${[...names].filter((name) => name !== '[::1]').join(', ')} only, not ${host || 'no Host'}.`,
        );
      return;
    }
    const origin = request.headers.origin;
    const changes = request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS';
    if (changes && origin !== undefined && origin !== `http://${host}` && origin !== `https://${host}`) {
      response.status(403).type('text').send('The sandbox takes changes only from its own page.');
      return;
    }
    next();
  };
}
