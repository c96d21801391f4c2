import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/project-root.js';
import { backupDatabase } from '../src/store/backup.js';
import { openToolDatabase } from '../src/store/tool-database.js';

/**
 * `npm run backup -- FILE`: every collection of the desk's database (stored files too) into FILE, a
 * gzipped JSON-lines archive (src/store/backup.ts). The database is the one `npm start` uses:
 * MONGODB_URI, else the embedded server of DATA_DIR (read through a running deskbolt's own server).
 */
const file = process.argv[2];
if (!file) {
  console.error('usage: npm run backup -- FILE   (FILE must not exist yet; a .jsonl.gz name is usual)');
  process.exit(2);
}
const say = (line: string) => console.error(line);
const version = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
try {
  const database = await openToolDatabase(process.env, 'backup', say);
  try {
    say(`backup: reading ${database.where}`);
    const { header, bytes } = await backupDatabase(database.client, database.dbName, file, {
      deskboltVersion: version,
      log: say,
    });
    const documents = header.collections.reduce((sum, collection) => sum + collection.count, 0);
    console.log(
      `backup: ${file} written (${bytes} bytes): ${header.collections.length} collection(s), ${documents} document(s), migration level ${header.migrationLevel}, deskbolt ${header.deskbolt}`,
    );
  } finally {
    await database.close();
  }
} catch (error) {
  console.error(`backup: nothing written: ${(error as Error).message}`);
  process.exit(1);
}
