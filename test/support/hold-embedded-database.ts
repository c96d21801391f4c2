import { startEmbeddedDatabase } from '../../src/store/embedded.js';

/**
 * A stand-in for a deskbolt process, run as a child by the tests that kill it: starts the embedded
 * database on the data directory given, prints one JSON line (its pid, the server's pid and port),
 * and runs until SIGTERM. `untied` leaves the server running if this process is killed.
 */
const [dataDir, tie] = process.argv.slice(2);
try {
  const database = await startEmbeddedDatabase({
    dataDir,
    tieToParent: tie !== 'untied',
    log: (line) => console.error(line),
  });
  console.log(
    JSON.stringify({
      pid: process.pid,
      serverPid: database.pid(),
      port: database.port,
      kind: database.kind,
      uri: database.uri,
      dataPath: database.dataDir,
    }),
  );
  setInterval(() => undefined, 60_000);
  process.once('SIGTERM', () => {
    void database.stop().then(() => process.exit(0));
  });
} catch (error) {
  console.log(JSON.stringify({ error: (error as Error).message }));
  process.exit(1);
}
