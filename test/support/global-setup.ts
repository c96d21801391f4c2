import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/store/embedded.js';

/**
 * One real MongoDB-protocol server for the whole run (MONGODB_URI when given, else the embedded one);
 * every test file opens its own database on it. A test that needs the database never skips: when no
 * server can be started, the run fails here.
 */
let embedded: EmbeddedDatabase | undefined;

export async function setup(project: TestProject): Promise<void> {
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ log: (line) => console.log(`[tests] ${line}`) });
    uri = embedded.uri;
  }
  project.provide('mongodbUri', uri);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    mongodbUri: string;
  }
}
