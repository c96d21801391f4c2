import { restoreDatabase, verifyArchive } from '../src/store/backup.js';
import { openToolDatabase } from '../src/store/tool-database.js';

/**
 * `npm run restore -- FILE`: a backup written by `npm run backup` into an empty database, the one
 * `npm start` uses (MONGODB_URI, else the embedded server of DATA_DIR, created when it is new). The
 * archive is read through once before anything is written; a database that holds documents is refused.
 */
const file = process.argv[2];
if (!file) {
  console.error('usage: npm run restore -- FILE');
  process.exit(2);
}
const say = (line: string) => console.error(line);
try {
  // Checked before a database is started, so a wrong file costs nothing.
  const header = await verifyArchive(file);
  say(
    `restore: ${file}: a backup of ${header.database} taken ${header.takenAt} by deskbolt ${header.deskbolt}, migration level ${header.migrationLevel}`,
  );
  const database = await openToolDatabase(process.env, 'restore', say);
  try {
    say(`restore: writing into ${database.where}`);
    const result = await restoreDatabase(database.client, database.dbName, file, { log: say });
    for (const skipped of result.indexesSkipped) say(`restore: index not built here (the next start builds what it needs): ${skipped}`);
    const documents = Object.values(result.restored).reduce((sum, count) => sum + count, 0);
    console.log(
      `restore: ${file} restored: ${Object.keys(result.restored).length} collection(s), ${documents} document(s); the next start runs any migration newer than level ${header.migrationLevel} and rebuilds the read models from the restored tickets`,
    );
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(`restore: ${(error as Error).message}`);
  process.exit(1);
}
