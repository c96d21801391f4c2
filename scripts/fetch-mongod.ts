import { fetchMongod } from '../src/store/embedded.js';

/**
 * The first choice of scripts/ensure-database.sh, in the same order as src/store/embedded.ts: a mongod
 * on this machine, else mongodb-memory-server's download (once, into its cache). Exits 1, saying why,
 * when neither works, and the script builds FerretDB instead.
 */
try {
  console.log(`database: mongodb-memory-server will run ${await fetchMongod()}`);
} catch (error) {
  console.log(`database: mongodb-memory-server could not get a mongod (${(error as Error).message.replace(/\s+/g, ' ').trim()}); FerretDB instead`);
  process.exit(1);
}
