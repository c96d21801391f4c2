import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's root (where package.json is), found by walking up: the same from src/ under tsx and
 * from dist/src/ once built, where a fixed number of `..` would land inside dist/.
 */
export function projectRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('deskbolt: cannot find the project root (package.json) above this file');
    dir = parent;
  }
  return dir;
}
