import { EMBEDDED_DATABASE, startEmbeddedDatabase } from '../src/store/embedded.js';
import { Store } from '../src/store/store.js';

/**
 * `npm run rebuild-read-models`: rebuilds the read models kept as events happen (the queue's and the Homes'
 * collection) from the tickets, on MONGODB_URI or on the embedded database of DATA_DIR (stop deskbolt
 * first there: one process per data directory). Safe to run again; a start does it by itself when the
 * data's mark is older than the code.
 */
// The two variables `npm start` reads for its database (src/config.ts), and DATA_DIR's default there.
const uri = process.env.MONGODB_URI || undefined;
const embedded = uri ? undefined : await startEmbeddedDatabase({ dataDir: process.env.DATA_DIR || './data' });
// The embedded server's desk is in the database `npm start` names; MONGODB_URI names its own.
const store = await Store.open({ uri: uri ?? embedded!.uri, ...(embedded ? { dbName: EMBEDDED_DATABASE } : {}) });
try {
  const { rebuilt } = await store.rebuildReadModels();
  console.log(`read models rebuilt from the tickets: ${rebuilt.join(', ')}`);
} finally {
  await store.close();
  await embedded?.stop();
}
