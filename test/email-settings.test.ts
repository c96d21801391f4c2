import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { mailboxesOf } from '../src/email/mailbox.js';
import { parseFrom } from '../src/email/outgoing.js';
import { newlyWritten } from '../src/tickets/email-intake.js';
import { parseWorkspace } from '../src/workspace/loader.js';
import { testWorkspace } from './support/workspace.js';

/** The email settings a team writes, read the way deskbolt reads them at start. */
describe('email settings', () => {
  const slack = { SLACK_SIGNING_SECRET: 's3cret', SLACK_BOT_TOKEN: 'xoxb-1' };

  it('SMTP_URL must be an smtp:// or smtps:// URL; without it and MAIL_FROM nothing is set', () => {
    const bad = loadConfig({ ...slack, SMTP_URL: 'https://mail.example.com' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems.join('\n')).toContain('SMTP_URL: expected smtp://user:pass@host:587');
    const good = loadConfig({
      ...slack,
      SMTP_URL: 'smtps://u:p@smtp.example.com:465',
      MAIL_FROM: '"Acme Support" <support@acme.example>',
    });
    expect(good.ok && good.config).toMatchObject({
      smtpUrl: 'smtps://u:p@smtp.example.com:465',
      mailFrom: '"Acme Support" <support@acme.example>',
    });
    const none = loadConfig(slack);
    expect(none.ok && none.config.smtpUrl).toBeUndefined();
  });

  it('a mailbox names a group that exists and an environment variable, never the URL itself', () => {
    const result = parseWorkspace(`
groups:
  - { name: A, id: 1, alertChannel: C0AAAAAAA }
email:
  mailboxes:
    - { address: support@acme.example, group: 2, imap: SUPPORT_IMAP_URL }
    - { address: billing@acme.example, group: 1, imap: "imaps://u:p@imap.example.com/INBOX" }
`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toContain('email.mailboxes[0].group: no group has id 2');
      expect(result.problems.join('\n')).toContain('email.mailboxes[1].imap: the name of an environment variable');
    }
  });

  it('the IMAP URL is read from the variable; an unset or wrong one is a problem that names it', () => {
    const workspace = testWorkspace({
      email: {
        mailboxes: [
          { address: 'a@acme.example', group: 10, imap: 'A_IMAP' },
          { address: 'b@acme.example', group: 10, imap: 'B_IMAP' },
          { address: 'c@acme.example', group: 10, imap: 'C_IMAP' },
        ],
      },
    });
    const [a, b, c] = mailboxesOf(workspace, {
      A_IMAP: 'imaps://support%40acme.example:p%2Fw@imap.example.com/Support%20Inbox',
      C_IMAP: 'https://imap.example.com',
    });
    expect(a).toMatchObject({
      problem: null,
      imap: {
        host: 'imap.example.com',
        port: 993,
        secure: true,
        user: 'support@acme.example',
        pass: 'p/w',
        path: 'Support Inbox',
      },
    });
    expect(b!.problem).toContain('B_IMAP is not set');
    expect(c!.problem).toContain('C_IMAP is not an IMAP URL');
  });

  it('MAIL_FROM is read with or without a display name', () => {
    expect(parseFrom('"Acme Support" <support@acme.example>')).toEqual({
      name: 'Acme Support',
      address: 'support@acme.example',
    });
    expect(parseFrom('support@acme.example')).toEqual({ name: '', address: 'support@acme.example' });
    expect(parseFrom('not an address')).toBeNull();
  });

  it('what a reply newly says: the quoted history below “On … wrote:”, Outlook’s block and > lines is cut', () => {
    expect(newlyWritten('Thanks, that works.\n\nOn Mon, 2 Nov 2026, Ana <a@x.example> wrote:\n> Try again\n')).toBe(
      'Thanks, that works.',
    );
    expect(newlyWritten('Done.\n\n-----Original Message-----\nFrom: Ana\nTry again')).toBe('Done.');
    expect(newlyWritten('Inline answer\n> quoted line\nmore')).toBe('Inline answer\nmore');
    // Nothing but quotes: the whole is kept rather than nothing.
    expect(newlyWritten('> only a quote')).toBe('> only a quote');
  });
});
