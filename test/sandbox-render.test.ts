// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { escapeMrkdwn } from '../blocks/text.js';
import { renderMailbox } from '../src/sandbox/page/mail.js';
import { renderBlocks } from '../src/sandbox/page/render.js';

/**
 * The sandbox page's Block Kit rendering, in a DOM library rather than a browser: what a person reads
 * and which element a click names. The whole stories (a form, a take, a chat, the scripted morning)
 * stay in Chromium, test/sandbox-browser.test.ts.
 */
function renderContext() {
  const used: unknown[] = [];
  return {
    used,
    context: {
      people: new Map([['U0ANA', 'Ana']]),
      channels: new Map([['C0BILLING', 'billing-alerts']]),
      use: (use: unknown) => void used.push(use),
      confirm: async () => true,
    },
  };
}

const mrkdwnSection = (text: string) => ({ type: 'section', block_id: 'said', text: { type: 'mrkdwn', text } });

describe('the sandbox page renders Block Kit', () => {
  it('shows what a person typed as text, never as markup, once escaped by the app', () => {
    const typed = '<script>alert(1)</script> & <b>bold</b> <!channel>';
    const root = renderBlocks([mrkdwnSection(escapeMrkdwn(typed))], renderContext().context);
    expect(root.querySelector('script')).toBeNull();
    expect(root.querySelector('b')).toBeNull();
    expect(root.textContent).toContain(typed);
    expect(root.textContent).not.toContain('&amp;');
    expect(root.querySelector('.mention')).toBeNull();
  });

  it('shows mentions by name, formatting as elements, and only web and mail links as links', () => {
    const root = renderBlocks(
      [
        mrkdwnSection(
          '*Taken* by <@U0ANA> in <#C0BILLING> <https://example.com/t/1|the ticket> <javascript:alert(1)|not a link>',
        ),
      ],
      renderContext().context,
    );
    expect(root.querySelector('b')?.textContent).toBe('Taken');
    expect([...root.querySelectorAll('.mention')].map((mention) => mention.textContent)).toEqual([
      '@Ana',
      '#billing-alerts',
    ]);
    const links = [...root.querySelectorAll('a')];
    expect(links.map((link) => [link.getAttribute('href'), link.textContent])).toEqual([
      ['https://example.com/t/1', 'the ticket'],
    ]);
    expect(root.textContent).toContain('not a link');
  });

  it('a button names its block, action and value when clicked', async () => {
    const { context, used } = renderContext();
    const root = renderBlocks(
      [
        {
          type: 'actions',
          block_id: 'ticket_1001',
          elements: [
            { type: 'button', action_id: 'ticket_take', value: '1001', text: { type: 'plain_text', text: 'Take it' } },
          ],
        },
      ],
      context,
    );
    const button = root.querySelector('button[data-action-id="ticket_take"]');
    expect(button.textContent).toBe('Take it');
    button.click();
    await Promise.resolve();
    expect(used).toEqual([expect.objectContaining({ blockId: 'ticket_1001', actionId: 'ticket_take', value: '1001' })]);
  });

  it('shows the app’s error under the field it names, and marks the optional ones', () => {
    const { context } = renderContext();
    const input = (blockId: string, optional: boolean) => ({
      type: 'input',
      block_id: blockId,
      optional,
      label: { type: 'plain_text', text: blockId === 'subject' ? 'Subject' : 'Description' },
      element: { type: 'plain_text_input', action_id: blockId },
    });
    const root = renderBlocks([input('subject', false), input('description', true)], {
      ...context,
      errors: { subject: 'A subject is needed.' },
    });
    const [subject, description] = [...root.querySelectorAll('.bk-input')];
    expect(subject?.querySelector('[role="alert"]')?.textContent).toBe('A subject is needed.');
    expect(subject?.classList.contains('has-error')).toBe(true);
    expect(description?.querySelector('[role="alert"]')).toBeNull();
    expect(description?.querySelector('.bk-optional')?.textContent).toBe(' (optional)');
  });
});

describe('the sandbox page’s mail client for an email requester', () => {
  const mail = (
    box: 'sent' | 'inbox',
    messageId: string,
    subject: string,
    text: string,
    extra: Record<string, unknown> = {},
  ) => ({
    box,
    messageId,
    inReplyTo: null,
    references: [],
    from:
      box === 'sent'
        ? { name: 'Erin', address: 'erin@customer.example' }
        : { name: 'Acme Support', address: 'support@acme.example' },
    to: box === 'sent' ? 'support@acme.example' : 'erin@customer.example',
    subject,
    date: '2026-11-02T09:00:00.000Z',
    text,
    autoSubmitted: null,
    ...extra,
  });
  const mailbox = {
    address: 'erin@customer.example',
    support: 'support@acme.example',
    messages: [
      mail(
        'sent',
        '<1@customer.example>',
        'Card charged twice',
        'Charged twice <script>alert(1)</script> & <!channel>',
      ),
      mail('inbox', '<deskbolt.1001.a@acme.example>', '[#1001] Card charged twice', 'We refunded it.', {
        inReplyTo: '<1@customer.example>',
      }),
      mail('inbox', '<deskbolt.1001.b@acme.example>', '[#1001] Card charged twice', 'How did we do?', {
        autoSubmitted: 'auto-replied',
      }),
    ],
  };

  it('shows the thread newest first, what was written as text, and what the desk sent by itself as such', () => {
    const root = renderMailbox(mailbox, { write: () => true, onReply: () => undefined });
    const items = [...root.querySelectorAll('.mail')];
    expect(items.map((item) => item.getAttribute('data-message-id'))).toEqual([
      '<deskbolt.1001.b@acme.example>',
      '<deskbolt.1001.a@acme.example>',
      '<1@customer.example>',
    ]);
    expect(items[1]?.querySelector('.mail-subject')?.textContent).toBe('[#1001] Card charged twice');
    expect(items[1]?.textContent).toContain('From Acme Support <support@acme.example>');
    expect(items[0]?.textContent).toContain('Auto-Submitted: auto-replied');
    expect(items[2]?.querySelector('script')).toBeNull();
    expect(items[2]?.querySelector('.mail-text')?.textContent).toBe(
      'Charged twice <script>alert(1)</script> & <!channel>',
    );
    // Only what the desk sent is answered; her own messages have no Reply.
    expect(items.map((item) => item.querySelector('button')?.textContent ?? null)).toEqual(['Reply', 'Reply', null]);
    expect(root.textContent).toContain('To support@acme.example');
  });

  it('writes a new message to support, and a reply in the thread with the answered message quoted', async () => {
    const written: unknown[] = [];
    const replied: unknown[] = [];
    const root = renderMailbox(mailbox, {
      write: (message) => written.push(message) > 0,
      onReply: (message) => void replied.push(message.messageId),
    });
    (root.querySelector('input[name="subject"]') as any).value = 'Another question';
    (root.querySelector('textarea') as any).value = 'Where is my invoice?';
    root.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await Promise.resolve();
    expect(written).toEqual([{ subject: 'Another question', text: 'Where is my invoice?' }]);
    (root.querySelectorAll('.mail-inbox button')[1] as any).click();
    expect(replied).toEqual(['<deskbolt.1001.a@acme.example>']);

    const reply = renderMailbox(mailbox, {
      write: (message) => written.push(message) > 0,
      replyingTo: mailbox.messages[1] as never,
    });
    expect((reply.querySelector('input[name="subject"]') as any).value).toBe('Re: [#1001] Card charged twice');
    expect((reply.querySelector('textarea') as any).value).toMatch(/wrote:\n> We refunded it\.$/);
    reply.querySelector('form')!.dispatchEvent(new Event('submit', { cancelable: true }));
    await Promise.resolve();
    expect(written.at(-1)).toMatchObject({
      subject: 'Re: [#1001] Card charged twice',
      inReplyTo: '<deskbolt.1001.a@acme.example>',
    });
  });
});
