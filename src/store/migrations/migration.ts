import type { Db } from 'mongodb';

/** What a migration may use besides the database: the time, a log line, and keeping its lease on a long run. */
export interface MigrationContext {
  now(): Date;
  log(line: string): void;
  /** Called between batches of a long migration: false means the lease was lost (expired and taken), so it stops. */
  keepLease(): Promise<boolean>;
}

/**
 * One step that brings data written by an older deskbolt to the shape this code reads. Recorded in
 * the `migrations` collection once it has finished; a process that dies half-way leaves it unrecorded,
 * so the next start runs it again from the beginning: every migration must be safe to run again over
 * its own half-done work (idempotent), and say so in its test.
 */
export interface Migration {
  /** Its place in the order; never reused, never renumbered once released. */
  number: number;
  /** Short and lower-case, as the log and the `migrations` collection show it. */
  name: string;
  up(db: Db, context: MigrationContext): Promise<void>;
}

/** Raised by a migration that cannot go on; start stops with it, naming the migration. */
export class MigrationFailedError extends Error {
  override name = 'MigrationFailedError';
  constructor(
    readonly migration: Pick<Migration, 'number' | 'name'>,
    cause: unknown,
  ) {
    super(
      `migration ${migration.number} (${migration.name}) failed: ${cause instanceof Error ? cause.message : String(cause)}; nothing after it ran, and the next start runs it again`,
      { cause },
    );
  }
}
