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
