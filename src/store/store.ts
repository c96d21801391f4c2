import mongoose, { type Connection } from 'mongoose';
import { AssignmentStore } from './assignments.js';
import { LeaseStore } from './leases.js';
import { ChatDeskStore } from './chat-desk.js';
import { ChatStore } from './chats.js';
import { registerModels, type Models } from './models.js';
import { DeliveryStore } from './deliveries.js';
import { MacroStore } from './macros.js';
import { ApiRequestStore } from './api-requests.js';
import { SatisfactionStore } from './satisfaction.js';
import { SeenIdStore } from './seen.js';
import { TicketSearchStore } from './search.js';
import { TicketLinkStore } from './ticket-links.js';
import { TicketStore } from './tickets.js';
import { serializeWritesInThisProcess } from './write-guard.js';

export interface StoreOptions {
  uri: string;
  /** Overrides the database named in the URI (tests give each file its own). */
  dbName?: string;
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
  readonly macros: MacroStore;
  readonly links: TicketLinkStore;
  readonly chats: ChatStore;
  readonly apiRequests: ApiRequestStore;
  readonly satisfaction: SatisfactionStore;
  /** Shortcuts, followers and the reads of the rest of the chat desk (issue 7). */
  readonly chatDesk: ChatDeskStore;
  /** Hand-overs between agents and leads' bulk hand-overs (issue 12). */
  readonly assignments: AssignmentStore;
  /** Finding tickets by words and filters: search, the REST list and export (issue 12). */
  readonly search: TicketSearchStore;

  private constructor(
    readonly connection: Connection,
    readonly models: Models,
    readonly server: ServerInfo,
  ) {
    this.tickets = new TicketStore(models);
    this.seen = new SeenIdStore(models);
    this.leases = new LeaseStore(models);
    this.deliveries = new DeliveryStore(connection);
    this.macros = new MacroStore(connection);
    this.links = new TicketLinkStore(models);
    this.chats = new ChatStore(connection);
    this.apiRequests = new ApiRequestStore(connection);
    this.satisfaction = new SatisfactionStore(connection);
    this.chatDesk = new ChatDeskStore(connection);
    this.assignments = new AssignmentStore(connection);
    this.search = new TicketSearchStore(models, server.ferretDb === null);
  }

  static async open(options: StoreOptions): Promise<Store> {
    const connection = mongoose.createConnection(options.uri, {
      ...(options.dbName ? { dbName: options.dbName } : {}),
      autoIndex: false,
      serverSelectionTimeoutMS: 10_000,
    });
    await connection.asPromise();
    const buildInfo = await connection.db!.admin().command({ buildInfo: 1 });
    const server: ServerInfo = {
      version: String(buildInfo.version),
      ferretDb: typeof buildInfo.ferretdbVersion === 'string' ? buildInfo.ferretdbVersion : null,
    };
    // FerretDB v1 writes are not atomic across connections (see write-guard.ts); MongoDB's are.
    if (server.ferretDb?.startsWith('v1.')) serializeWritesInThisProcess();
    const store = new Store(connection, registerModels(connection), server);
    await store.buildIndexes();
    await store.search.buildIndexes();
    return store;
  }

  /** Indexes are declared in the models and built here, at start, so a missing one fails loudly. */
  private async buildIndexes(): Promise<void> {
    // Every model registered on this connection, the sub-stores' own included.
    for (const model of Object.values(this.connection.models)) {
      await model.createIndexes();
    }
    // MongoDB expires remembered ids by itself; FerretDB has no TTL indexes, so a job deletes them too.
    await this.models.SeenId.collection.createIndex(
      { expiresAt: 1 },
      this.server.ferretDb ? { name: 'expiresAt_1' } : { name: 'expiresAt_ttl', expireAfterSeconds: 0 },
    );
  }

  async ping(): Promise<boolean> {
    try {
      await this.connection.db!.admin().command({ ping: 1 });
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
