import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { ImapFlow } from 'imapflow';
import { startDeskbolt } from '../src/deskbolt.js';
import { fakeSlackConfig } from '../src/fake-slack/config.js';
import { FakeSlack } from '../src/fake-slack/server.js';
import type { Store } from '../src/store/store.js';
import { addMailboxUser, dovecotPath, startDovecot } from '../test/support/dovecot.js';
import { emailMessage } from '../test/support/email-message.js';
import { testWorkspace } from '../test/support/workspace.js';
import { type BenchRow, row } from './take.js';

const BATCHES = 10;
const PER_BATCH = 20;

/**
 * How many messages a second one mailbox ingests: mail is APPENDed into a real Dovecot (not timed),
 * then one read of the mailbox files it all (timed: IMAP fetch, MIME parsing, the claim, the ticket,
 * the \Seen flag, the cursor, and the Slack messages a new ticket sets off).
 */
export async function emailRows(store: Store): Promise<BenchRow[]> {
  if (!existsSync(dovecotPath())) {
    console.log(`email: no Dovecot at ${dovecotPath()} (scripts/ensure-dovecot.sh installs it): its row is left out`);
    return [];
  }
  const dovecot = await startDovecot();
  const fake = await FakeSlack.start();
  const user = `bench${randomBytes(3).toString('hex')}`;
  addMailboxUser(dovecot.passwdDir, dovecot.mailRoot, user, 'bench');
  const variable = 'BENCH_IMAP_URL';
  const deskbolt = await startDeskbolt({
    config: fakeSlackConfig(fake),
    workspace: testWorkspace({
      email: { mailboxes: [{ address: 'support@acme.example', group: 10, imap: variable }] },
    }),
    store,
    log: () => undefined,
    schedule: false,
    environment: { [variable]: `imap://${user}:bench@${dovecot.host}:${dovecot.port}/INBOX` },
  });
  const imap = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user, pass: 'bench' },
    logger: false,
  });
  await imap.connect();
  const samples: number[] = [];
  let peakRss = process.memoryUsage().rss;
  let filed = 0;
  let elapsed = 0;
  try {
    for (let batch = 0; batch < BATCHES; batch++) {
      for (let index = 0; index < PER_BATCH; index++) {
        await imap.append(
          'INBOX',
          emailMessage({
            from: `"Requester ${batch}-${index}" <r${batch}x${index}@customer.example>`,
            subject: `Question ${batch}-${index}`,
          }),
        );
      }
      const started = performance.now();
      const [run] = await deskbolt.email.readNow();
      const took = performance.now() - started;
      elapsed += took;
      filed += run!.filings.filter((filing) => filing.outcome === 'ticket').length;
      samples.push(took / PER_BATCH);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  } finally {
    await imap.logout();
    await deskbolt.close();
    await fake.close();
    await dovecot.stop();
  }
  if (filed !== BATCHES * PER_BATCH) console.log(`email: ${filed} of ${BATCHES * PER_BATCH} messages became tickets`);
  return [
    row(
      `email: one mailbox → tickets (${PER_BATCH} a read, ms per message)`,
      samples,
      filed / (elapsed / 1000),
      peakRss,
    ),
  ];
}
