import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

/**
 * The scripts tests run as processes of their own (a deskbolt replica they SIGKILL, a holder of the
 * embedded database), compiled once per run into one JavaScript file each: a process then starts on
 * plain node, without compiling the app again through tsx every time a test spawns one.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = join(root, 'dist', 'test-processes');

export const PROCESS_SCRIPTS = {
  deskbolt: 'test/support/deskbolt-process.ts',
  databaseHolder: 'test/support/hold-embedded-database.ts',
  // npm start's own entry point, for a real signal (test/workspace-reload.test.ts's SIGHUP).
  main: 'src/main.ts',
  // npm run backup / restore, as an operator runs them (test/backup-restore.test.ts).
  backup: 'scripts/backup.ts',
  restore: 'scripts/restore.ts',
} as const;

export type ProcessScript = keyof typeof PROCESS_SCRIPTS;

/**
 * Modules find files beside them (the manifest, the FerretDB binary) through import.meta.url; in one
 * bundled file that would be the bundle's address, so each keeps the address of its own source.
 */
const keepOwnAddress: Plugin = {
  name: 'keep-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.ts$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: 'ts',
      };
    });
  },
};

/** Compiles every process script; returns where each one's JavaScript is. */
export async function compileProcessScripts(): Promise<Record<ProcessScript, string>> {
  const compiled = {} as Record<ProcessScript, string>;
  await Promise.all(
    Object.entries(PROCESS_SCRIPTS).map(async ([name, source]) => {
      const outfile = join(outDir, `${name}.mjs`);
      await build({
        entryPoints: [join(root, source)],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // Packages load from node_modules as they do for the app itself; only this repository's code is compiled.
        packages: 'external',
        sourcemap: true,
        logLevel: 'error',
        plugins: [keepOwnAddress],
      });
      compiled[name as ProcessScript] = outfile;
    }),
  );
  return compiled;
}
