import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import type { LeaseStore } from '../leases.js';
import { chatsEachSideLastMessage } from './0001-chats-each-side-last-message.js';
import { emailThreadIndexWithUid } from './0002-email-thread-index-with-uid.js';
import { type Migration, MigrationFailedError } from './migration.js';

export { type Migration, type MigrationContext, MigrationFailedError } from './migration.js';

/** Every migration this code knows, in order. A new one goes at the end with the next number. */
export const MIGRATIONS: readonly Migration[] = [chatsEachSideLastMessage, emailThreadIndexWithUid];

export const MIGRATIONS_COLLECTION = 'migrations';
/** The lease (in job_leases) that lets one process at a time migrate. */
export const MIGRATIONS_LEASE = 'migrations';

/**
 * One per migration that finished. `_id` is its number as four digits: text, since FerretDB v1 finds
 * only string ids by index, and padded, so the ids' order is the numbers' and the _id index serves both reads.
 */
export interface MigrationRecord {
  _id: string;
  number: number;
  name: string;
  appliedAt: Date;
}

export interface MigrationOptions {
  /** This process, as the lease names it. */
  owner: string;
  now(): Date;
  log(line: string): void;
  /** The migrations to run; MIGRATIONS unless given (tests give their own). */
  migrations?: readonly Migration[];
  /** How long the lease holds without renewal: how long a replica that died migrating delays the others. */
  holdMs?: number;
  /** How often a process that waits on another's migrating looks again. */
  waitStepMs?: number;
  /** How long it waits for another process's migrations before it gives up its start. */
  waitAtMostMs?: number;
}

const HOLD_MS = 60_000;
const WAIT_STEP_MS = 250;
/** Longer than one lease: a holder that died is outlived, and its migration taken over. */
const WAIT_AT_MOST_MS = 10 * 60_000;

/** The highest number recorded: what a backup's header calls the data's migration level. */
export async function migrationLevel(db: Db): Promise<number> {
  const latest = await db
    .collection<MigrationRecord>(MIGRATIONS_COLLECTION)
    .find({}, { sort: { _id: -1 }, limit: 1 })
    .toArray();
  return latest[0]?.number ?? 0;
}

export function latestMigration(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((level, migration) => Math.max(level, migration.number), 0);
}

/**
 * Runs, in order, the migrations not yet recorded, before the desk serves. One process at a time
 * (a lease): the others wait until it is done, then find nothing left. Each is recorded once finished,
 * so it runs once; one cut half-way runs again at the next start, which its idempotence allows. A
 * failure stops here (nothing after it runs) with a MigrationFailedError naming it.
 */
export async function runMigrations(
  db: Db,
  leases: LeaseStore,
  options: MigrationOptions,
): Promise<{ applied: MigrationRecord[]; level: number }> {
  const migrations = [...(options.migrations ?? MIGRATIONS)].sort((a, b) => a.number - b.number);
  const records = db.collection<MigrationRecord>(MIGRATIONS_COLLECTION);
  const holdMs = options.holdMs ?? HOLD_MS;
  const waitStepMs = options.waitStepMs ?? WAIT_STEP_MS;
  const giveUpAt = Date.now() + (options.waitAtMostMs ?? WAIT_AT_MOST_MS);
  const pending = async () => {
    const recorded = await records.find({}, { projection: { number: 1 }, sort: { _id: 1 } }).toArray();
    const done = new Set(recorded.map((each) => each.number));
    return migrations.filter((migration) => !done.has(migration.number));
  };
  let saidWaiting = false;
  for (;;) {
    if ((await pending()).length === 0) return { applied: [], level: await migrationLevel(db) };
    if (await leases.acquire(MIGRATIONS_LEASE, options.owner, options.now(), holdMs)) break;
    if (!saidWaiting) {
      options.log('migrations: another deskbolt process is migrating this database; waiting for it');
      saidWaiting = true;
    }
    if (Date.now() > giveUpAt)
      throw new Error(
        `migrations: another deskbolt process has held the migrations lease for over ${Math.round((options.waitAtMostMs ?? WAIT_AT_MOST_MS) / 1000)} s`,
      );
    await sleep(waitStepMs);
  }
  const applied: MigrationRecord[] = [];
  try {
    // Read again under the lease: the process this one waited for may have done them all.
    for (const migration of await pending()) {
      options.log(`migrations: running ${migration.number} (${migration.name})`);
      const context = {
        now: options.now,
        log: options.log,
        keepLease: () => leases.renew(MIGRATIONS_LEASE, options.owner, options.now(), holdMs),
      };
      try {
        await migration.up(db, context);
      } catch (error) {
        throw new MigrationFailedError(migration, error);
      }
      const record: MigrationRecord = {
        _id: recordId(migration.number),
        number: migration.number,
        name: migration.name,
        appliedAt: options.now(),
      };
      try {
        await records.insertOne(record);
      } catch (error) {
        // Recorded by a process that took the lease over from this one (this one's had run out): done either way.
        if ((error as { code?: number }).code !== 11000) throw error;
      }
      applied.push(record);
      if (!(await context.keepLease()))
        throw new Error(
          `migrations: lost the migrations lease after ${migration.number} (${migration.name}); the next start finishes the rest`,
        );
    }
  } finally {
    await leases.release(MIGRATIONS_LEASE, options.owner);
  }
  if (applied.length > 0)
    options.log(`migrations: applied ${applied.map((record) => `${record.number} (${record.name})`).join(', ')}`);
  return { applied, level: await migrationLevel(db) };
}

function recordId(number: number): string {
  return String(number).padStart(4, '0');
}
