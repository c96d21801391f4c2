import { afterAll } from 'vitest';
import { finishEmptying } from './database.js';

/**
 * Loaded before every test file (vitest.config.ts setupFiles), so its afterAll runs after the file's
 * own: the emptying of the databases its tests closed is done before the next file starts (database.ts).
 */
afterAll(async () => {
  await finishEmptying();
});
