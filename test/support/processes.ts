import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { SIGNING_SECRET } from '../../src/fake-slack/config.js';
import type { FakeSlack } from '../../src/fake-slack/server.js';
import type { ConditionalWrites } from '../../src/store/tickets.js';
import { PROTOCOL_PREFIX } from './process-protocol.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The app starts compiled (see compiled-scripts.ts); on a busy machine that takes seconds, not minutes. */
const START_TIMEOUT_MS = 60_000;

export interface DeskboltProcessOptions {
  fake: FakeSlack;
  dbName: string;
  clock: Date;
  /** `merge:told`, `transfer:chat-moved`, …: the process stops when it has recorded that step. */
  pauseAt?: string;
  conditionalWrites?: ConditionalWrites;
}

type Message = Record<string, any>;

/**
 * A deskbolt replica in its own process (test/support/deskbolt-process.ts) on the test's database and
 * fake Slack, which a test can kill with a real SIGKILL. Its stderr is kept for the failure message.
 */
export class DeskboltProcess {
  url = '';
  private readonly messages: Message[] = [];
  private readonly waiters: { match: (message: Message) => boolean; resolve: (message: Message) => void }[] = [];
  private stderr = '';
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(private readonly child: ChildProcess) {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith(PROTOCOL_PREFIX)) this.received(JSON.parse(line.slice(PROTOCOL_PREFIX.length)) as Message);
        newline = buffered.indexOf('\n');
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-8000);
    });
    this.exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  }

  static async start(options: DeskboltProcessOptions): Promise<DeskboltProcess> {
    const child = spawn(process.execPath, ['--enable-source-maps', inject('processScripts').deskbolt], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SLACK_BOT_TOKEN: options.fake.token,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: options.fake.apiUrl,
        SLACK_APP_TOKEN: '',
        PORT: '0',
        LOG_LEVEL: 'error',
        MONGODB_URI: inject('mongodbUri'),
        DESKBOLT_TEST_DB_NAME: options.dbName,
        DESKBOLT_TEST_CLOCK: options.clock.toISOString(),
        DESKBOLT_TEST_PAUSE_AT: options.pauseAt ?? '',
        DESKBOLT_TEST_CONDITIONAL_WRITES: options.conditionalWrites ?? '',
      },
    });
    const started = new DeskboltProcess(child);
    const ready = await started.next((message) => 'ready' in message, START_TIMEOUT_MS);
    started.url = ready.ready.url;
    return started;
  }

  /** The first message (already received or still to come) that matches; fails if the process exits first. */
  next(match: (message: Message) => boolean, timeoutMs = START_TIMEOUT_MS): Promise<Message> {
    const index = this.messages.findIndex(match);
    if (index >= 0) return Promise.resolve(this.messages.splice(index, 1)[0]!);
    return new Promise((resolveMessage, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`the deskbolt process said nothing matching in ${timeoutMs} ms; its stderr:\n${this.stderr}`),
          ),
        timeoutMs,
      );
      const waiter = {
        match,
        resolve: (message: Message) => {
          clearTimeout(timer);
          resolveMessage(message);
        },
      };
      this.waiters.push(waiter);
      void this.exited.then(({ code, signal }) => {
        clearTimeout(timer);
        if (this.waiters.includes(waiter))
          reject(new Error(`the deskbolt process ended (${signal ?? code}); its stderr:\n${this.stderr}`));
      });
    });
  }

  /** Waits until the process has recorded the step it was told to pause at. */
  paused(): Promise<Message> {
    return this.next((message) => 'paused' in message).then((message) => message.paused);
  }

  /** Runs a desk job in the process (under its lease) and waits until everything it set off is done. */
  async run(job: string): Promise<Message> {
    this.child.stdin!.write(`${JSON.stringify({ run: job })}\n`);
    return this.next((message) => message.job === job);
  }

  /** Waits until the work of every request sent so far (and what it set off) is done. */
  async settled(): Promise<void> {
    this.child.stdin!.write(`${JSON.stringify({ settle: true })}\n`);
    await this.next((message) => message.settled === true);
  }

  /** The process's clock (it moves only when set). */
  async setClock(to: Date): Promise<void> {
    this.child.stdin!.write(`${JSON.stringify({ clock: to.toISOString() })}\n`);
    await this.next((message) => message.set?.clock !== undefined);
  }

  /** From now on the process stops for good when a workflow has recorded this step (`merge:told`, …). */
  async pauseAt(step: string): Promise<void> {
    this.child.stdin!.write(`${JSON.stringify({ pauseAt: step })}\n`);
    await this.next((message) => message.set?.pauseAt !== undefined);
  }

  /** A real `kill -9`: no handler runs, nothing is flushed, the process is simply gone. */
  async kill(): Promise<void> {
    this.child.kill('SIGKILL');
    const { signal } = await this.exited;
    if (signal !== 'SIGKILL')
      throw new Error(`the deskbolt process ended by ${signal} instead of SIGKILL; its stderr:\n${this.stderr}`);
  }

  /** Ends the process the ordinary way (its stdin closes, it closes the app). */
  async stop(): Promise<void> {
    this.child.stdin!.end();
    const exit = await Promise.race([
      this.exited,
      new Promise<null>((resolveLater) => setTimeout(() => resolveLater(null), 20_000)),
    ]);
    if (exit === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  private received(message: Message): void {
    const waiter = this.waiters.find((candidate) => candidate.match(message));
    if (!waiter) {
      this.messages.push(message);
      return;
    }
    this.waiters.splice(this.waiters.indexOf(waiter), 1);
    waiter.resolve(message);
  }
}
