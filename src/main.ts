import { loadConfig, startModeOf } from './config.js';
import { CLOSE_WITHIN_MS, startDeskbolt } from './deskbolt.js';
import { structuredLog } from './log.js';
import { EMBEDDED_DATABASE, type EmbeddedDatabase, startEmbeddedDatabase } from './store/embedded.js';
import { Store } from './store/store.js';
import { loadWorkspaceFile } from './workspace/loader.js';

/** After SIGTERM the process is gone within this, whatever hangs (orchestrators kill at 30 s). */
const SHUTDOWN_LIMIT_MS = CLOSE_WITHIN_MS + 10_000;

/** Composition root: config → database → workspace → Slack app → HTTP → jobs. */
async function main(): Promise<void> {
  const start = startModeOf(process.env);
  if (start.mode === 'refuse') {
    console.error(`deskbolt: cannot start: ${start.problem}`);
    process.exit(1);
  }
  if (start.mode === 'sandbox') {
    console.log(
      'deskbolt: no Slack tokens set (SLACK_BOT_TOKEN), so starting the sandbox: the real app against a fake Slack, in your browser.',
    );
    const { runSandbox } = await import('./sandbox/main.js');
    await runSandbox();
    return;
  }
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    console.error(`deskbolt: cannot start, the environment has ${loaded.problems.length} problem(s):`);
    for (const problem of loaded.problems) console.error(`  ${problem}`);
    process.exit(1);
  }
  const config = loaded.config;
  const { log, logger } = structuredLog({ level: config.logLevel });
  const workspace = await loadWorkspaceFile(config.workspaceFile);
  if (!workspace.ok) {
    console.error(`deskbolt: cannot start, ${config.workspaceFile} has ${workspace.problems.length} problem(s):`);
    for (const problem of workspace.problems) console.error(`  ${problem}`);
    process.exit(1);
  }

  let embedded: EmbeddedDatabase | undefined;
  let uri = config.mongodbUri;
  if (uri) {
    logger.info(`database: using MONGODB_URI (${uri.replace(/\/\/[^@/]*@/, '//***@')})`);
  } else {
    embedded = await startEmbeddedDatabase({
      dataDir: config.dataDir,
      // Its restarts failed: exit non-zero, so a supervisor (systemd, Docker, Kubernetes) starts deskbolt afresh.
      onGiveUp: (reason) => {
        console.error(`deskbolt: exiting: ${reason}`);
        process.exit(1);
      },
    });
    uri = embedded.uri;
  }
  let store: Store;
  let deskbolt: Awaited<ReturnType<typeof startDeskbolt>>;
  try {
    store = await Store.open({ uri, ...(embedded ? { dbName: EMBEDDED_DATABASE } : {}) });
    deskbolt = await startDeskbolt({
      config,
      workspace: workspace.workspace,
      workspaceFile: config.workspaceFile,
      store,
      log,
      ...(embedded ? { embeddedDatabase: embedded } : {}),
    });
  } catch (error) {
    // Stopped cleanly, so the data directory's lock is released for the next start.
    await embedded?.stop();
    throw error;
  }
  logger.info(
    config.slack.appToken
      ? 'deskbolt: connected to Slack over Socket Mode'
      : `deskbolt: listening on port ${deskbolt.port}; Slack request URL is https://<your host>/slack/events`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`deskbolt: ${signal} received, finishing work in flight`);
    // close() bounds its own wait; this is the backstop for the database or the server not letting go.
    setTimeout(() => {
      console.error(
        `deskbolt: still stopping after ${SHUTDOWN_LIMIT_MS / 1000} s; exiting, the delivery queue has what is left`,
      );
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    await deskbolt.close();
    await store.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void deskbolt.workspace?.reload('SIGHUP received'));
}

main().catch((error: unknown) => {
  console.error(`deskbolt: failed to start: ${(error as Error).message}`);
  process.exit(1);
});
