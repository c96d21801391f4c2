import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

/**
 * A real IMAP server for the email tests: Debian's Dovecot (scripts/ensure-dovecot.sh installs it),
 * started by the test run as the database is, with its own config, a passwd-file and Maildirs in a
 * temporary folder, on a free loopback port. Plain IMAP on loopback: no certificate to make.
 *
 * Dovecot's rules about who runs it: started as root (CI), it runs its login and internal processes
 * as its own users (dovenull, dovecot, which the package creates) and refuses mail access as root,
 * so the mail is owned by nobody (65534); started as anyone else, every process runs as that user.
 */
export interface Dovecot {
  host: string;
  port: number;
  /** A folder of passwd-files, one per mailbox user (see addMailboxUser): a test file adds its own users to it. */
  passwdDir: string;
  mailRoot: string;
  stop(): Promise<void>;
}

const NOBODY = 65_534;

export function dovecotPath(): string {
  return process.env.DOVECOT_PATH ?? '/usr/sbin/dovecot';
}

export async function startDovecot(): Promise<Dovecot> {
  const binary = dovecotPath();
  if (!existsSync(binary))
    throw new Error(
      `no Dovecot at ${binary}: run scripts/ensure-dovecot.sh (apt-get install dovecot-imapd) or set DOVECOT_PATH`,
    );
  const dir = mkdtempSync(join(tmpdir(), 'deskbolt-dovecot-'));
  const root = process.getuid?.() === 0;
  // The mail processes run as nobody under root: they must get through the folder to their Maildirs.
  chmodSync(dir, 0o755);
  const run = join(dir, 'run');
  const mailRoot = join(dir, 'mail');
  mkdirSync(run);
  mkdirSync(mailRoot);
  if (root) chownSync(mailRoot, NOBODY, NOBODY);
  const passwdDir = join(dir, 'passwd');
  mkdirSync(passwdDir);
  const port = await freePort();
  const user = userInfo().username;
  const group = root ? 'dovecot' : execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim();
  const config = [
    `base_dir = ${run}`,
    `state_dir = ${join(run, 'state')}`,
    `instance_name = deskbolt-test-${port}`,
    'protocols = imap',
    'listen = 127.0.0.1',
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    // A wrong password is answered at once (the default waits 2 s against guessing): the tests try one on purpose.
    'auth_failure_delay = 0',
    `log_path = ${join(dir, 'dovecot.log')}`,
    `mail_location = maildir:${mailRoot}/%u`,
    ...(root
      ? [
          'default_internal_user = dovecot',
          'default_internal_group = dovecot',
          'default_login_user = dovenull',
          `mail_uid = ${NOBODY}`,
          `mail_gid = ${NOBODY}`,
        ]
      : [`default_internal_user = ${user}`, `default_internal_group = ${group}`, `default_login_user = ${user}`]),
    'passdb {',
    '  driver = passwd-file',
    // A file per user (%u in the path): see addMailboxUser for why one shared file fails.
    `  args = scheme=PLAIN ${join(passwdDir, '%u')}`,
    '}',
    'userdb {',
    '  driver = passwd-file',
    `  args = ${join(passwdDir, '%u')}`,
    '}',
    'service imap-login {',
    '  chroot =',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '}',
    'service anvil {',
    '  chroot =',
    '}',
    // A 25 MB message is read whole by the tests.
    'imap_max_line_length = 1M',
    '',
  ].join('\n');
  const configFile = join(dir, 'dovecot.conf');
  writeFileSync(configFile, config);
  mkdirSync(join(run, 'state'));
  const child: ChildProcess = spawn(binary, ['-F', '-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await greeted(port, exited, () => output);
  } catch (error) {
    child.kill('SIGTERM');
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    passwdDir,
    mailRoot,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Adds a mailbox user, seen at its first login. Each user has a passwd-file of its own because Dovecot
 * (2.3, src/auth/db-passwd-file.c, passwd_file_sync) looks at a passwd-file at most once a second
 * (`if (pw->last_sync_time == ioloop_time) return` before any stat): a user appended to a shared file
 * in the same second as any other login (another test file's, an IDLE reconnect) is "unknown user"
 * until the next second, whatever the file's mtime or size says, and no setting turns that gate off.
 * A path with `%u` is a new file to Dovecot the first time it is asked for, so it is read then.
 * Written under another name and renamed: a login never reads half a line.
 */
export function addMailboxUser(passwdDir: string, mailRoot: string, user: string, password: string): void {
  if (!/^[a-z0-9._-]+$/i.test(user)) throw new Error(`a mailbox user is a plain name (it names a file): ${user}`);
  const file = join(passwdDir, user);
  writeFileSync(`${file}.new`, `${user}:{PLAIN}${password}::::${join(mailRoot, user)}::\n`);
  renameSync(`${file}.new`, file);
}

async function greeted(port: number, exited: Promise<void>, output: () => string): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (let attempt = 0; attempt < 200; attempt++) {
    if (gone) throw new Error(`Dovecot exited at start:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Dovecot did not answer on port ${port}:\n${output()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
