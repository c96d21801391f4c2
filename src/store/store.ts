import mongoose, { type Connection } from 'mongoose';
import { AssignmentStore } from './assignments.js';
import { CommandWatch } from './command-watch.js';
import { LeaseStore } from './leases.js';
import { ChatDeskStore } from './chat-desk.js';
import { ChatStore } from './chats.js';
import { registerModels, type Models } from './models.js';
import { DeliveryStore } from './deliveries.js';
import { EmailStore } from './email.js';
import { MacroStore } from './macros.js';
import { MergeRequestStore } from './merge-requests.js';
import { ApiRequestStore } from './api-requests.js';
import { SatisfactionStore } from './satisfaction.js';
import { SeenIdStore } from './seen.js';
import { TicketSearchStore } from './search.js';
import { TicketLinkStore } from './ticket-links.js';
import type { DeclaredIndexes, IndexKeys } from './query-shapes.js';
import { TicketStore, type ConditionalWrites } from './tickets.js';
import { WeekFiguresStore } from './week-figures.js';
import { serializeWritesInThisProcess, writesAreSerialized } from './write-guard.js';

export interface StoreOptions {
  uri: string;
  /** Overrides the database named in the URI (tests give each file its own). */
  dbName?: string;
  /**
   * How long an operation waits for an unreachable server before it fails (the driver's server
   * selection and mongoose's buffering). Long enough to ride out an embedded server's restart.
   */
  unavailableAfterMs?: number;
  /**
   * How conditional ticket changes reach the server (see ConditionalWrites in tickets.ts). By default
   * `read-check-write` on the embedded FerretDB and `in-filter` everywhere else; tests ask for
   * `in-filter` on FerretDB to run the branch MongoDB uses.
   */
  conditionalWrites?: ConditionalWrites;
}

export interface ServerInfo {
  version: string;
  ferretDb: string | null;
}

/**
 * The only door to MongoDB: one connection, its models, and the atomic operations built on them.
 * Each domain has a sub-store of its own (tickets, seen ids, …) that registers its models on the
 * connection in its constructor; indexes of all of them are built at open.
 */
export class Store {
  readonly tickets: TicketStore;
  readonly seen: SeenIdStore;
  readonly leases: LeaseStore;
  readonly deliveries: DeliveryStore;
  readonly email: EmailStore;
  readonly macros: MacroStore;
  readonly links: TicketLinkStore;
  readonly chats: ChatStore;
  readonly apiRequests: ApiRequestStore;
  /** Merges as asked, recorded before their first step (issue 30). */
  readonly mergeRequests: MergeRequestStore;
  readonly satisfaction: SatisfactionStore;
  /** Shortcuts, followers and the reads of the rest of the chat desk (issue 7). */
  readonly chatDesk: ChatDeskStore;
  /** Hand-overs between agents and leads' bulk hand-overs (issue 12). */
  readonly assignments: AssignmentStore;
  /** Finding tickets by words and filters: search, the REST list and export (issue 12). */
  readonly search: TicketSearchStore;
  /** The App Home's week figures, kept as events happen (issue 15). */
  readonly weekFigures: WeekFiguresStore;
  /** Every command sent to the database (the driver's command monitoring): the bench counts them. */
  readonly commands: CommandWatch;

  private constructor(
    readonly connection: Connection,
    readonly models: Models,
    readonly server: ServerInfo,
    conditionalWrites: ConditionalWrites,
  ) {
    this.tickets = new TicketStore(models, conditionalWrites);
    this.seen = new SeenIdStore(models);
    this.leases = new LeaseStore(models);
    this.deliveries = new DeliveryStore(connection);
    this.email = new EmailStore(connection);
    this.macros = new MacroStore(connection);
    this.links = new TicketLinkStore(models);
    this.chats = new ChatStore(connection);
    this.apiRequests = new ApiRequestStore(connection);
    this.mergeRequests = new MergeRequestStore(connection);
    this.satisfaction = new SatisfactionStore(connection);
    this.chatDesk = new ChatDeskStore(connection);
    this.assignments = new AssignmentStore(connection);
    this.search = new TicketSearchStore(models, server.ferretDb === null);
    this.weekFigures = new WeekFiguresStore(connection);
    this.commands = new CommandWatch(connection.getClient(), this);
  }

  static async open(options: StoreOptions): Promise<Store> {
    const waitMs = options.unavailableAfterMs ?? 10_000;
    // mongoose reads bufferTimeoutMS from the connection's options; its ConnectOptions type leaves it out.
    const waitForServer = { serverSelectionTimeoutMS: waitMs, bufferTimeoutMS: waitMs };
    const connection = mongoose.createConnection(options.uri, {
      ...(options.dbName ? { dbName: options.dbName } : {}),
      autoIndex: false,
      monitorCommands: true,
      ...waitForServer,
    });
    await connection.asPromise();
    const buildInfo = await connection.db!.admin().command({ buildInfo: 1 });
    const server: ServerInfo = {
      version: String(buildInfo.version),
      ferretDb: typeof buildInfo.ferretdbVersion === 'string' ? buildInfo.ferretdbVersion : null,
    };
    // FerretDB v1 writes are not atomic across connections (see write-guard.ts); MongoDB's are.
    if (server.ferretDb?.startsWith('v1.')) serializeWritesInThisProcess();
    const conditionalWrites = options.conditionalWrites ?? (writesAreSerialized() ? 'read-check-write' : 'in-filter');
    if (conditionalWrites === 'read-check-write' && !writesAreSerialized()) {
      await connection.close();
      throw new Error('conditionalWrites "read-check-write" needs the write guard, which only the embedded FerretDB turns on; MongoDB uses "in-filter"');
    }
    const store = new Store(connection, registerModels(connection), server, conditionalWrites);
    await store.buildIndexes();
    await store.search.buildIndexes();
    return store;
  }

  /** Every index built at open, by collection, _id's aside: what the index-coverage test holds each query to. */
  declaredIndexes(): DeclaredIndexes {
    this.indexesDeclared ??= this.indexesOfModels();
    return this.indexesDeclared;
  }

  private indexesDeclared: DeclaredIndexes | undefined;

  private indexesOfModels(): DeclaredIndexes {
    const indexes = new Map<string, IndexKeys[]>();
    for (const model of Object.values(this.connection.models)) {
      const keys = model.schema.indexes().map(([fields]) => Object.entries(fields).map(([field, direction]) => [field, Number(direction) < 0 ? -1 : 1] as const));
      indexes.set(model.collection.collectionName, [...(indexes.get(model.collection.collectionName) ?? []), ...keys]);
    }
    indexes.get(this.models.SeenId.collection.collectionName)?.push([['expiresAt', 1]]);
    return indexes;
  }

  /** Indexes are declared in the models and built here, at start, so a missing one fails loudly. */
  private async buildIndexes(): Promise<void> {
    if (this.server.ferretDb?.startsWith('v1.')) {
      await this.buildUniqueIndexesOnly();
      return;
    }
    // Every model registered on this connection, the sub-stores' own included.
    for (const model of Object.values(this.connection.models)) {
      await model.createIndexes();
    }
    // MongoDB expires remembered ids by itself; FerretDB has no TTL indexes, so a job deletes them too.
    await this.models.SeenId.collection.createIndex({ expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 });
  }

  /**
   * FerretDB v1 (SQLite) answers a query from no index but `_id`'s, yet updates every index of a
   * document it writes: on a ticket, two dozen of them, half of a close's time. So on it only the
   * unique indexes are built (they keep numbers, ids and claims unique), and the others, left by an
   * earlier version, are dropped. The declared indexes still hold every query to MongoDB's rules
   * (declaredIndexes, the index-coverage test).
   */
  private async buildUniqueIndexesOnly(): Promise<void> {
    for (const model of Object.values(this.connection.models)) {
      for (const [fields, options] of model.schema.indexes()) {
        if (options?.unique) await model.collection.createIndex(fields as Record<string, 1 | -1>, options as Record<string, unknown>);
      }
      const built = await model.collection.indexes().catch(() => []);
      for (const index of built) {
        if (index.name && index.name !== '_id_' && !index.unique) await model.collection.dropIndex(index.name);
      }
    }
  }

  /** Drops every collection and builds the indexes again: an empty desk (the sandbox's Reset). */
  async dropEverything(): Promise<void> {
    await this.connection.dropDatabase();
    await this.buildIndexes();
  }

  /** Answers within `withinMs` either way: a health check must not hang for the driver's whole server selection. */
  async ping(withinMs = 2_000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), withinMs);
    });
    const answered = this.connection
      .db!.admin()
      .command({ ping: 1 })
      .then(
        () => true,
        () => false,
      );
    try {
      return await Promise.race([answered, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

/**
 * True for the errors that mean "the database did not answer" (down, unreachable, restarting) rather
 * than "this operation is wrong": the Slack layer tells the person to try again in a minute.
 */
export function databaseUnavailable(error: unknown): boolean {
  const { MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError } = mongoose.mongo;
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  while (pending.length > 0) {
    const each = pending.pop();
    if (!(each instanceof Error) || seen.has(each)) continue;
    seen.add(each);
    if (
      each instanceof MongoNetworkError ||
      each instanceof MongoServerSelectionError ||
      each instanceof MongoNotConnectedError ||
      each instanceof MongoTopologyClosedError ||
      // mongoose's own wrapper of a failed selection, and its wait for a connection that never came.
      each.name === 'MongooseServerSelectionError' ||
      (each.name === 'MongooseError' && /buffering timed out/.test(each.message))
    ) {
      return true;
    }
    // Bolt gathers the failures of several listeners in `originals`; errors may carry their cause.
    const { cause, original, originals } = each as Error & { original?: unknown; originals?: unknown[] };
    pending.push(cause, original, ...(Array.isArray(originals) ? originals : []));
  }
  return false;
}
