import type { MongoClient } from 'mongodb';
import mongoose, { type Connection } from 'mongoose';
import { AdminChangeStore } from './admin-changes.js';
import { ApiRequestStore } from './api-requests.js';
import { type AssignmentStore, assignmentStore } from './assignments.js';
import { type ChatDeskStore, chatDeskStore } from './chat-desk.js';
import { type ChatStore, chatStore } from './chats.js';
import { CommandWatch } from './command-watch.js';
import { DeliveryStore } from './deliveries.js';
import { type EmailStore, emailStore } from './email.js';
import { FILE_BUCKET, FileStore } from './files.js';
import { GroupMembershipStore } from './group-memberships.js';
import { HOMES_VERSION, HomeStore } from './homes.js';
import { LeaseStore } from './leases.js';
import { MacroStore } from './macros.js';
import { ManagedArticleStore } from './managed-articles.js';
import { ManagedMacroStore } from './managed-macros.js';
import { MergeRequestStore } from './merge-requests.js';
import { type Models, registerModels } from './models.js';
import type { DeclaredIndexes, IndexKeys } from './query-shapes.js';
import { ReadModelMarks } from './read-model-marks.js';
import { ReminderStore } from './reminders.js';
import { ReplicaRegistry } from './replicas.js';
import { RoutingOfferStore } from './routing-offers.js';
import { SatisfactionStore } from './satisfaction.js';
import { TicketSearchStore } from './search.js';
import { SeenIdStore } from './seen.js';
import { TicketLinkStore } from './ticket-links.js';
import { type ConditionalWrites, TicketStore } from './tickets.js';
import { WaitingTicketStore } from './waiting-tickets.js';
import { WeekFiguresStore } from './week-figures.js';
import { serializeWritesInThisProcess, writesAreSerialized } from './write-guard.js';

/** Raised when what the queue's collection holds, or how, changes: data with an older mark is rebuilt at start. */
// 2: entries carry their ticket's priority rank, the queue's first key (issue 26).
const WAITING_TICKETS_VERSION = 2;
/** Tickets' `requesterKey` (a requester's other tickets are read by it): given to older tickets once. */
const REQUESTER_KEYS_VERSION = 1;

export interface StoreOptions {
  uri: string;
  /** Overrides the database named in the URI (tests give each file its own). */
  dbName?: string;
  /**
   * How long an operation waits for an unreachable server before it fails (the driver's server
   * selection and mongoose's buffering). Long enough to ride out an embedded server's quick restart,
   * short enough that a REST client hears 503 in about two seconds, not after ten (issue 30).
   */
  unavailableAfterMs?: number;
  /**
   * How conditional ticket changes reach the server (see ConditionalWrites in tickets.ts). By default
   * `read-check-write` on the embedded FerretDB and `in-filter` everywhere else; tests ask for
   * `in-filter` on FerretDB to run the branch MongoDB uses.
   */
  conditionalWrites?: ConditionalWrites;
}

/** What an operation waits for a server the driver cannot select (see StoreOptions.unavailableAfterMs). */
export const UNAVAILABLE_AFTER_MS = 1_500;
/** How long a request may wait for the one look at a database that was away. */
const PROBE_WITHIN_MS = 1_000;
/** How often the driver looks at a server it has lost: how soon deskbolt sees its database back. */
const HEARTBEAT_MS = 2_000;
/** What a request waits for the database before it is answered "try again in a minute" (Slack allows 3 s). */
export const ANSWER_WITHIN_MS = 1_500;

/** Thrown instead of waiting when the database is known to be away: nothing was sent to it. */
export class DatabaseAwayError extends Error {
  override name = 'DatabaseAwayError';
  constructor() {
    super('the database is unreachable right now');
  }
}

/**
 * Whether the database answers, as the driver's server monitoring sees it (and as failed operations
 * show before the next heartbeat). A request that finds it away is answered at once, instead of
 * waiting the driver's whole server selection (seconds on end) past Slack's three seconds.
 */
export class DatabaseReach {
  private awayNow = false;
  private probing: Promise<boolean> | undefined;

  /** `probe` asks the database once, within a bound: whether it answers again before the next heartbeat. */
  constructor(
    client: MongoClient,
    private readonly probe: () => Promise<boolean>,
  ) {
    client.on('serverHeartbeatFailed', () => {
      this.awayNow = true;
    });
    client.on('serverHeartbeatSucceeded', () => {
      this.awayNow = false;
    });
    client.on('serverDescriptionChanged', (event) => {
      if (event.newDescription.type === 'Unknown' && event.newDescription.error) this.awayNow = true;
      else if (event.newDescription.type !== 'Unknown') this.awayNow = false;
    });
  }

  /**
   * Whether the database is away now. While it was, one probe (shared by every request that asks
   * meanwhile) looks again, so a database that came back serves the next request, not only the one
   * after the next heartbeat.
   */
  async away(): Promise<boolean> {
    if (!this.awayNow) return false;
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
    });
    if (await this.probing) this.awayNow = false;
    return this.awayNow;
  }

  /** What is known without asking: for a check that has a way on without the database (remembering in memory). */
  seemsAway(): boolean {
    return this.awayNow;
  }

  /** Seen failing before the driver's monitor said so: the next heartbeat that answers clears it. */
  noteAway(): void {
    this.awayNow = true;
  }

  /**
   * Work a person's answer waits for: refused at once while the database is away, and given up after
   * `withinMs` (the database noted away) so the answer still goes in time. What was sent may still
   * land later; only idempotent work (remembering an id) belongs here.
   */
  async within<T>(work: () => Promise<T>, withinMs = ANSWER_WITHIN_MS): Promise<T> {
    if (await this.away()) throw new DatabaseAwayError();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.noteAway();
        reject(new DatabaseAwayError());
      }, withinMs);
    });
    try {
      return await Promise.race([work(), late]);
    } catch (error) {
      if (databaseUnavailable(error)) this.noteAway();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
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
  readonly reminders: ReminderStore;
  readonly deliveries: DeliveryStore;
  readonly email: EmailStore;
  readonly macros: MacroStore;
  /** What admins manage from Slack beside the workspace file (docs/admin.md). */
  readonly managedMacros: ManagedMacroStore;
  readonly managedArticles: ManagedArticleStore;
  readonly memberships: GroupMembershipStore;
  readonly adminChanges: AdminChangeStore;
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
  /** Files of tickets' comments: Slack references and bytes kept in GridFS (issue 23). */
  readonly files: FileStore;
  /** The queue's own small collection: what `/ticket next` claims from (issue 29). */
  readonly waiting: WaitingTicketStore;
  /** Which version of each read model the data holds, so a start on older data rebuilds it. */
  readonly readModelMarks: ReadModelMarks;
  /** Each person's and group's part of the App Home, kept as events happen (issue 29). */
  readonly homes: HomeStore;
  /** Every command sent to the database (the driver's command monitoring): the bench counts them. */
  readonly commands: CommandWatch;
  /** Whether the database answers right now (issue 30): requests are answered at once when it does not. */
  readonly reach: DatabaseReach;
  /** The deskbolt processes on this database, kept on FerretDB v1 only (see replicas.ts). */
  readonly replicas: ReplicaRegistry;
  /** Offers of waiting tickets to agents, and each group's routing switch (issue 26). */
  readonly routing: RoutingOfferStore;

  private constructor(
    readonly connection: Connection,
    readonly models: Models,
    readonly server: ServerInfo,
    conditionalWrites: ConditionalWrites,
  ) {
    this.waiting = new WaitingTicketStore(connection);
    this.readModelMarks = new ReadModelMarks(connection);
    this.homes = new HomeStore(connection);
    this.tickets = new TicketStore(models, this.waiting, conditionalWrites);
    this.seen = new SeenIdStore(models);
    this.leases = new LeaseStore(models);
    this.reminders = new ReminderStore(models, connection);
    this.deliveries = new DeliveryStore(connection);
    this.email = emailStore(connection);
    this.macros = new MacroStore(connection);
    this.managedMacros = new ManagedMacroStore(connection);
    this.managedArticles = new ManagedArticleStore(connection);
    this.memberships = new GroupMembershipStore(connection);
    this.adminChanges = new AdminChangeStore(connection);
    this.links = new TicketLinkStore(models);
    this.chats = chatStore(connection);
    this.apiRequests = new ApiRequestStore(connection);
    this.mergeRequests = new MergeRequestStore(connection);
    this.replicas = new ReplicaRegistry(connection);
    this.satisfaction = new SatisfactionStore(connection);
    this.chatDesk = chatDeskStore(connection);
    this.assignments = assignmentStore(connection);
    this.search = new TicketSearchStore(models, server.ferretDb === null);
    this.weekFigures = new WeekFiguresStore(connection);
    this.files = new FileStore(connection);
    this.routing = new RoutingOfferStore(connection);
    this.commands = new CommandWatch(connection.getClient(), this);
    this.reach = new DatabaseReach(connection.getClient(), () => this.ping(PROBE_WITHIN_MS));
  }

  static async open(options: StoreOptions): Promise<Store> {
    const waitMs = options.unavailableAfterMs ?? UNAVAILABLE_AFTER_MS;
    // mongoose reads bufferTimeoutMS from the connection's options; its ConnectOptions type leaves it out.
    const waitForServer = { serverSelectionTimeoutMS: waitMs, bufferTimeoutMS: waitMs };
    const connection = mongoose.createConnection(options.uri, {
      ...(options.dbName ? { dbName: options.dbName } : {}),
      autoIndex: false,
      monitorCommands: true,
      heartbeatFrequencyMS: HEARTBEAT_MS,
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
      throw new Error(
        'conditionalWrites "read-check-write" needs the write guard, which only the embedded FerretDB turns on; MongoDB uses "in-filter"',
      );
    }
    const store = new Store(connection, registerModels(connection), server, conditionalWrites);
    await store.buildIndexes();
    await store.search.buildIndexes();
    await store.rebuildReadModels({ onlyWhenOlder: true });
    return store;
  }

  /**
   * Rebuilds the read models kept as events happen (the queue's collection, the App Homes) from the tickets:
   * `npm run rebuild-read-models`, and each start whose data carries an older mark than this code's.
   * Safe while deskbolt runs: an entry is set from the ticket as it is now, and every claim ends in
   * the ticket's own conditional write.
   */
  async rebuildReadModels(options: { onlyWhenOlder?: boolean } = {}): Promise<{ rebuilt: string[] }> {
    const rebuilt: string[] = [];
    if (!options.onlyWhenOlder || (await this.readModelMarks.isOlder('waiting_tickets', WAITING_TICKETS_VERSION))) {
      await this.waiting.replaceWith(await this.tickets.waitingNow());
      await this.readModelMarks.mark('waiting_tickets', WAITING_TICKETS_VERSION);
      rebuilt.push('waiting_tickets');
    }
    // After the queue's collection: a group's queue part is read from it.
    if (!options.onlyWhenOlder || (await this.readModelMarks.isOlder('homes', HOMES_VERSION))) {
      await this.homes.rebuild();
      await this.readModelMarks.mark('homes', HOMES_VERSION);
      rebuilt.push('homes');
    }
    if (!options.onlyWhenOlder || (await this.readModelMarks.isOlder('requester_keys', REQUESTER_KEYS_VERSION))) {
      await this.tickets.keyRequesters();
      await this.readModelMarks.mark('requester_keys', REQUESTER_KEYS_VERSION);
      rebuilt.push('requester_keys');
    }
    return { rebuilt };
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
      const keys = model.schema
        .indexes()
        .map(([fields]) =>
          Object.entries(fields).map(([field, direction]) => [field, Number(direction) < 0 ? -1 : 1] as const),
        );
      indexes.set(model.collection.collectionName, [...(indexes.get(model.collection.collectionName) ?? []), ...keys]);
    }
    indexes.get(this.models.SeenId.collection.collectionName)?.push([['expiresAt', 1]]);
    // GridFS's own collections: the driver builds this unique index before its first upload, and reads chunks by it.
    indexes.set(`${FILE_BUCKET}.chunks`, [
      [
        ['files_id', 1],
        ['n', 1],
      ],
    ]);
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
        if (options?.unique)
          await model.collection.createIndex(fields as Record<string, 1 | -1>, options as Record<string, unknown>);
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
    this.replicas.stop();
    await this.connection.close();
  }
}

/**
 * True for the errors that mean "the database did not answer" (down, unreachable, restarting) rather
 * than "this operation is wrong": the Slack layer tells the person to try again in a minute.
 */
export function databaseUnavailable(error: unknown): boolean {
  const { MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError } =
    mongoose.mongo;
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
      each instanceof DatabaseAwayError ||
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
