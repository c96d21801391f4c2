import { AsyncLocalStorage } from 'node:async_hooks';
import type { MongoClient } from 'mongodb';
import type { DeclaredIndexes } from './query-shapes.js';

/**
 * Every command the store sends to the database, as the driver's command monitoring reports it: what
 * the bench counts per action and what the index-coverage test reads query shapes from. Listeners run
 * synchronously where the driver sends the command, so they see the sender's async context (the bench
 * tells the asker's work from the notifiers' by it). Server monitoring (heartbeats) is not a command.
 */
export interface DatabaseCommand {
  /** find, aggregate, findAndModify, update, insert, delete, getMore, … */
  name: string;
  /** The collection it is about, when it is about one. */
  collection: string | null;
  databaseName: string;
  /** The command document as sent (filter, sort, pipeline, updates …). */
  body: Record<string, unknown>;
  /** Sent by work that runs after the asker's answer (the dispatcher's notifiers), not by the asker's request. */
  offTheAskersPath: boolean;
}

export type CommandListener = (command: DatabaseCommand) => void;

/** What a process-wide listener is told of the store that sent a command: the indexes it declares. */
export interface CommandSource {
  declaredIndexes(): DeclaredIndexes;
}

export type EveryStoreListener = (command: DatabaseCommand, source: CommandSource) => void;

/** Connection bookkeeping, not work: left out of counts and shapes. */
const NOT_WORK = new Set([
  'hello',
  'isMaster',
  'ismaster',
  'ping',
  'buildInfo',
  'endSessions',
  'saslStart',
  'saslContinue',
  'killCursors',
]);

const everyStore = new Set<EveryStoreListener>();

const askersPath = new AsyncLocalStorage<'off'>();
let anyoneWatches = false;

/** Whether the code running now is work the dispatcher handed out (see offTheAskersPath). */
export function isOffTheAskersPath(): boolean {
  return askersPath.getStore() === 'off';
}

/**
 * Runs `work` marked as off the asker's path (the dispatcher hands events out in it), so the bench
 * counts it apart from the request's own work. Marked only while someone watches commands: a
 * replica in production pays nothing for it.
 */
export function offTheAskersPath<T>(work: () => Promise<T>): Promise<T> {
  return anyoneWatches ? askersPath.run('off', work) : work();
}

/**
 * Listens to the commands of every store opened in this process, those opened later included: the
 * test suite's query-shape recorder uses it, since each test opens stores of its own.
 */
export function watchCommandsOfEveryStore(listener: EveryStoreListener): () => void {
  everyStore.add(listener);
  anyoneWatches = true;
  return () => everyStore.delete(listener);
}

export class CommandWatch {
  private readonly listeners = new Set<CommandListener>();

  constructor(client: MongoClient, source: CommandSource) {
    client.on('commandStarted', (event) => {
      if (NOT_WORK.has(event.commandName)) return;
      if (this.listeners.size === 0 && everyStore.size === 0) return;
      const body = event.command as Record<string, unknown>;
      const target = body[event.commandName];
      const command: DatabaseCommand = {
        name: event.commandName,
        collection: typeof target === 'string' ? target : typeof body.collection === 'string' ? body.collection : null,
        databaseName: event.databaseName,
        body,
        offTheAskersPath: isOffTheAskersPath(),
      };
      for (const listener of this.listeners) listener(command);
      for (const listener of everyStore) listener(command, source);
    });
  }

  /** Calls `listener` with every command this store sends from now on; returns the unsubscribe. */
  watch(listener: CommandListener): () => void {
    this.listeners.add(listener);
    anyoneWatches = true;
    return () => this.listeners.delete(listener);
  }
}
