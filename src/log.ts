import { AsyncLocalStorage } from 'node:async_hooks';
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/**
 * One seam for faults that must not reach users: jobs, the REST API, the event dispatcher and the
 * Slack adapters all log through it, and the composition root decides where lines go.
 */
export type Log = (line: string, error?: unknown) => void;

export const consoleLog: Log = (line, error) => {
  if (error && process.env.DESKBOLT_DEBUG) console.error(line, error);
  else console.error(line);
};

/** The message of anything thrown, including a Slack API error's own code. */
export function faultMessage(error: unknown): string {
  const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}

/** What a line is about, carried along the work that produced it rather than passed to every call. */
export interface LogContext {
  /** Slack's id of the request (event_id, or the trigger_id of a command or click), or the REST request's. */
  requestId?: string;
  ticket?: number;
  job?: string;
}

const context = new AsyncLocalStorage<LogContext>();

/** Runs `work` with these fields on every line it (and whatever it sets off) logs. */
export function withLogContext<T>(fields: LogContext, work: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, work);
}

export function logContext(): LogContext {
  return context.getStore() ?? {};
}

/**
 * Paths pino replaces with [Redacted] if they are ever passed: credentials, and anything a person
 * wrote. The Log seam passes only the line and a fault's message, so these are the second guard.
 */
export const REDACTED_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'secret',
  'password',
  'authorization',
  'text',
  'body',
  'headers',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.secret',
  '*.password',
  '*.authorization',
  '*.text',
  '*.body',
  '*.headers',
];

export interface StructuredLogOptions {
  /** LOG_LEVEL: debug, info, warn or error. */
  level?: string;
  /** Where lines go; stdout unless given (tests pass a stream they read). */
  destination?: DestinationStream;
  /** Human-readable lines (pino-pretty); the default when stdout is a terminal. */
  pretty?: boolean;
}

/**
 * JSON lines with levels, each with the request id, ticket number and job name of the work it came
 * from. A fault is logged as its message and class only: a Slack or HTTP error object carries the
 * request it failed, headers and tokens included.
 */
export function structuredLog(options: StructuredLogOptions = {}): { log: Log; logger: Logger } {
  const prettyLines = options.pretty ?? (options.destination === undefined && process.stdout.isTTY === true);
  const destination =
    options.destination ?? (prettyLines ? pretty({ colorize: true, sync: true }) : pino.destination({ sync: false }));
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
      mixin: () => ({ ...logContext() }),
    },
    destination,
  );
  const log: Log = (line, error) => {
    if (error === undefined) logger.warn(line);
    else
      logger.error(
        { fault: { message: faultMessage(error), type: error instanceof Error ? error.name : typeof error } },
        line,
      );
  };
  return { log, logger };
}
