import { z } from 'zod';
import { type EmbeddedDatabase, startEmbeddedDatabase } from '../store/embedded.js';
import { Store } from '../store/store.js';
import { loadWorkspaceFile } from '../workspace/loader.js';
import { startSandboxDesk } from './desk.js';
import { sandboxExposureWarning } from './exposure.js';
import { mountSandboxPage } from './routes.js';

/** The sandbox's settings: a few of the app's own, read the same way (see README's Settings). */
const sandboxEnvironment = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  /** The page has no sign-in and can reset its desk, so it listens on loopback unless told otherwise (not HOST: zsh and some containers set that to the machine's name). */
  SANDBOX_HOST: z.string().min(1).default('127.0.0.1'),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'a MongoDB connection string starts with mongodb:// or mongodb+srv://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  WORKSPACE_FILE: z.string().min(1).default('examples/workspace.yml'),
});

/** Its own database name, so Reset never drops the desk a real workspace uses on the same server. */
export const SANDBOX_DATABASE = 'deskbolt_sandbox';

/**
 * `npm start` without Slack tokens: the real app on the embedded database, against the fake Slack,
 * with a Slack-like page at http://localhost:PORT where you can be anyone of the workspace.
 */
export async function runSandbox(environment: NodeJS.ProcessEnv = process.env): Promise<void> {
  const blankless = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const parsed = sandboxEnvironment.safeParse(blankless);
  if (!parsed.success) {
    console.error(`deskbolt sandbox: cannot start, the environment has ${parsed.error.issues.length} problem(s):`);
    for (const issue of parsed.error.issues) console.error(`  ${issue.path.join('.')}: ${issue.message}`);
    process.exit(1);
  }
  const env = parsed.data;
  const workspace = await loadWorkspaceFile(env.WORKSPACE_FILE);
  if (!workspace.ok) {
    console.error(`deskbolt sandbox: cannot start, ${env.WORKSPACE_FILE} has ${workspace.problems.length} problem(s):`);
    for (const problem of workspace.problems) console.error(`  ${problem}`);
    process.exit(1);
  }

  let embedded: EmbeddedDatabase | undefined;
  if (!env.MONGODB_URI) embedded = await startEmbeddedDatabase({ dataDir: env.DATA_DIR });
  const store = await Store.open({ uri: env.MONGODB_URI ?? embedded!.uri, dbName: SANDBOX_DATABASE });
  const stopDatabase = async () => {
    await store.close();
    await embedded?.stop();
  };
  let sandbox: Awaited<ReturnType<typeof startSandboxDesk>>;
  try {
    sandbox = await startSandboxDesk({
      store,
      workspace: workspace.workspace,
      port: env.PORT,
      host: env.SANDBOX_HOST,
      routes: mountSandboxPage,
    });
  } catch (error) {
    await stopDatabase();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `deskbolt sandbox: port ${env.PORT} is in use (another deskbolt?). Start on another one: PORT=${env.PORT + 1} npm start`,
      );
      process.exit(1);
    }
    throw error;
  }
  const shownHost =
    env.SANDBOX_HOST === '127.0.0.1' || env.SANDBOX_HOST === '0.0.0.0' || env.SANDBOX_HOST === '::'
      ? 'localhost'
      : env.SANDBOX_HOST;
  console.log(`deskbolt sandbox: open http://${shownHost}:${sandbox.deskbolt.port}/ in your browser`);
  console.log(
    '  A Slack-like workspace over the real app: be anyone (agent, lead or customer), file and work tickets, chat, transfer.',
  );
  console.log(
    `  Tickets are kept in the database "${SANDBOX_DATABASE}" between runs; Slack's side (messages, modals) starts empty each run. Reset in the page empties both.`,
  );
  console.log(
    '  To connect a real Slack workspace instead, set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (see README.md).',
  );
  const exposed = sandboxExposureWarning(env.SANDBOX_HOST);
  if (exposed) console.warn(exposed);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`deskbolt sandbox: ${signal} received, stopping`);
    await sandbox.close();
    await stopDatabase();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
