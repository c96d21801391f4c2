import { createHmac } from 'node:crypto';
import { z } from 'zod';

/** A duration or count in the environment: digits only, so "3 days" is refused rather than misread. */
const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);

const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not a time zone known to this Node (for example Europe/Berlin or UTC)');

const environmentSchema = z.object({
  SLACK_SIGNING_SECRET: z.string().min(1).optional(),
  SLACK_BOT_TOKEN: z.string().startsWith('xoxb-', 'a bot token starts with xoxb-'),
  SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'an app-level token starts with xapp-').optional(),
  SLACK_API_URL: z.url().optional(),
  /** Where this app is reached from outside (https://desk.example.com): survey links in webhooks point here. */
  PUBLIC_URL: z.url().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  MONGODB_URI: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'a MongoDB connection string starts with mongodb:// or mongodb+srv://')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  WORKSPACE_FILE: z.string().min(1).default('examples/workspace.yml'),
  PENDING_CLOSE_DAYS: positiveNumber(3),
  SOLVED_CLOSE_DAYS: positiveNumber(4),
  TRANSFER_EXPIRY_SECONDS: positiveNumber(120),
  TZ: timeZone.default('UTC'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Serve /metrics on this port only, away from the public one. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters: it is all that guards /metrics').optional(),
  /** Where email is sent, as nodemailer takes it (smtp://user:pass@host:587, smtps://…:465); unset: replies to email requesters go to the outbound webhook. */
  SMTP_URL: z
    .string()
    .refine(
      (url) => URL.canParse(url) && /^smtps?:$/.test(new URL(url).protocol),
      'expected smtp://user:pass@host:587 or smtps://user:pass@host:465',
    )
    .optional(),
  /** The From of mail that no mailbox of the workspace file sends: "Acme Support" <support@acme.example>. */
  MAIL_FROM: z.string().min(3).max(300).optional(),
  /** Signs the download links of stored files (docs/files.md); unset, one is derived from the Slack secrets every replica shares. */
  FILE_LINK_SECRET: z.string().min(32, 'at least 32 characters: it is all that guards file downloads').optional(),
});

/** Checked beside the schema, not inside it: zod skips refinements once a field fails, and every problem should show at once. */
function modeProblems(env: Record<string, string | undefined>): string[] {
  return !env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET
    ? ['SLACK_SIGNING_SECRET: required in HTTP mode (set SLACK_APP_TOKEN instead to use Socket Mode)']
    : [];
}

function metricsPortProblems(env: Record<string, string | undefined>): string[] {
  const port = env.PORT ?? '3000';
  return env.METRICS_PORT !== undefined && Number(env.METRICS_PORT) !== 0 && Number(env.METRICS_PORT) === Number(port)
    ? [`METRICS_PORT: must differ from PORT (${port}); leave it unset to serve /metrics on PORT`]
    : [];
}

export interface Config {
  slack: {
    signingSecret: string | undefined;
    botToken: string;
    appToken: string | undefined;
    apiUrl: string | undefined;
  };
  port: number;
  publicUrl?: string | undefined;
  mongodbUri: string | undefined;
  dataDir: string;
  workspaceFile: string;
  pendingCloseDays: number;
  solvedCloseDays: number;
  transferExpirySeconds: number;
  timeZone: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** /metrics on its own port instead of `port` (0: any free one, for tests). */
  metricsPort?: number | undefined;
  /** A bearer token /metrics requires. */
  metricsToken?: string | undefined;
  /** SMTP_URL and MAIL_FROM: set, replies to email requesters go out as mail (see docs/email.md). */
  smtpUrl?: string | undefined;
  mailFrom?: string | undefined;
  /** Signs stored files' download links (FILE_LINK_SECRET, or derived from the Slack secrets). */
  fileLinkSecret?: string | undefined;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Reads the environment once; every problem is one line naming the variable, so a bad start is fixed in one pass. */
export function loadConfig(environment: NodeJS.ProcessEnv): ConfigResult {
  const blankless = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(blankless);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`)),
    ...modeProblems(blankless),
    ...metricsPortProblems(blankless),
  ];
  if (!parsed.success || problems.length > 0) return { ok: false, problems };
  const env = parsed.data;
  return {
    ok: true,
    config: {
      slack: {
        signingSecret: env.SLACK_SIGNING_SECRET,
        botToken: env.SLACK_BOT_TOKEN,
        appToken: env.SLACK_APP_TOKEN,
        apiUrl: env.SLACK_API_URL,
      },
      port: env.PORT,
      publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
      mongodbUri: env.MONGODB_URI,
      dataDir: env.DATA_DIR,
      workspaceFile: env.WORKSPACE_FILE,
      pendingCloseDays: env.PENDING_CLOSE_DAYS,
      solvedCloseDays: env.SOLVED_CLOSE_DAYS,
      transferExpirySeconds: env.TRANSFER_EXPIRY_SECONDS,
      timeZone: env.TZ,
      logLevel: env.LOG_LEVEL,
      metricsPort: env.METRICS_PORT,
      metricsToken: env.METRICS_TOKEN,
      smtpUrl: env.SMTP_URL,
      mailFrom: env.MAIL_FROM,
      fileLinkSecret:
        env.FILE_LINK_SECRET ??
        derivedFileLinkSecret(env.SLACK_SIGNING_SECRET ?? env.SLACK_APP_TOKEN ?? env.SLACK_BOT_TOKEN),
    },
  };
}

/** Every replica has the same Slack secrets, so a link one replica signs opens on any other; the secret itself never appears in a link. */
function derivedFileLinkSecret(slackSecret: string): string {
  return createHmac('sha256', slackSecret).update('deskbolt file download links').digest('hex');
}

/** Settings that only mean something with a real Slack: one of them set says the operator meant production. */
const SLACK_SETTINGS = ['SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_API_URL'] as const;

export type StartMode = { mode: 'slack' } | { mode: 'sandbox' } | { mode: 'refuse'; problem: string };

/**
 * No Slack token starts the sandbox, on the same WORKSPACE_FILE and DATA_DIR. A production secret
 * that failed to mount (SLACK_BOT_TOKEN empty beside SLACK_SIGNING_SECRET) must not do that quietly:
 * with any Slack setting set, a missing bot token is a refusal that names it.
 */
export function startModeOf(environment: NodeJS.ProcessEnv): StartMode {
  if (environment.SLACK_BOT_TOKEN) return { mode: 'slack' };
  const meantSlack = SLACK_SETTINGS.filter((name) => environment[name]);
  if (meantSlack.length === 0) return { mode: 'sandbox' };
  return {
    mode: 'refuse',
    problem: `SLACK_BOT_TOKEN: ${environment.SLACK_BOT_TOKEN === undefined ? 'not set' : 'empty'}, but ${meantSlack.join(' and ')} ${meantSlack.length === 1 ? 'is' : 'are'} set, so this start was meant for Slack; set SLACK_BOT_TOKEN (xoxb-…), or unset the Slack settings to try the sandbox`,
  };
}
