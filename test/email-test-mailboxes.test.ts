import { describe, expect, it } from 'vitest';
import { testMailbox } from './support/email.js';

/**
 * The test run's Dovecot knows a mailbox user from the moment it is added, even when another login
 * happened in the same second (test files sharing the server do that all the time): a shared
 * passwd-file is looked at at most once a second, so a user added to it just after a login was
 * "unknown" at its first login (see addMailboxUser).
 */
describe('mailbox users of the test run’s Dovecot', () => {
  it('a user added right after another’s login can log in at once, every time', async () => {
    const steady = testMailbox('steady');
    for (let round = 0; round < 5; round++) {
      await steady.messages();
      const fresh = testMailbox(`fresh${round}`);
      expect(await fresh.deliver('Subject: hello\r\n\r\nfirst login\r\n')).toBeGreaterThan(0);
    }
  });
});
