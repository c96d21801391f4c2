// An email requester's mail client: write to support, read what the desk answered, reply in the
// thread. Every string of a message goes in as text, never as HTML: mail is untrusted too.
import { h } from './render.js';

/**
 * @typedef {import('../wire.js').WireMail} Mail
 * @typedef {import('../wire.js').WireMailbox} Mailbox
 * @typedef {{ subject: string, text: string, inReplyTo?: string }} Written
 * @typedef {{ write: (written: Written) => Promise<boolean> | boolean, replyingTo?: Mail | null, onReply?: (mail: Mail) => void }} MailContext
 */

/** @param {string} subject */
const replySubject = (subject) => (/^re:/i.test(subject) ? subject : `Re: ${subject}`);

/** The text a reply starts with: the message answered, quoted, as a mail client writes it. @param {Mail} mail */
export function quoted(mail) {
  const lines = mail.text
    .trimEnd()
    .split('\n')
    .map((line) => `> ${line}`);
  return `\n\nOn ${new Date(mail.date).toUTCString()}, ${mail.from.name || mail.from.address} wrote:\n${lines.join('\n')}`;
}

/**
 * The whole client: a form to write (a reply when `replyingTo` is set) and the messages, newest first.
 * @param {Mailbox} mailbox
 * @param {MailContext} context
 */
export function renderMailbox(mailbox, context) {
  const replying = context.replyingTo ?? null;
  const subject = h('input', {
    type: 'text',
    name: 'subject',
    'aria-label': 'Subject',
    value: replying ? replySubject(replying.subject) : '',
  });
  const text = h('textarea', { name: 'text', rows: 6, 'aria-label': 'Message' });
  if (replying) text.value = quoted(replying);
  const form = h(
    'form',
    { class: 'mail-compose', 'aria-label': replying ? 'Reply' : 'New message' },
    h('div', { class: 'mail-field' }, h('span', { class: 'muted' }, 'From '), mailbox.address),
    h('div', { class: 'mail-field' }, h('span', { class: 'muted' }, 'To '), mailbox.support),
    h('label', { class: 'mail-field' }, h('span', { class: 'muted' }, 'Subject '), subject),
    text,
    h('button', { type: 'submit', class: 'bk-button primary' }, replying ? 'Send reply' : 'Send'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const written = {
      subject: subject.value,
      text: text.value,
      ...(replying ? { inReplyTo: replying.messageId } : {}),
    };
    if (await context.write(written)) form.reset();
  });
  const messages = [...mailbox.messages].reverse();
  return h(
    'div',
    { class: 'mail-client' },
    form,
    messages.length === 0
      ? h(
          'p',
          { class: 'muted mail-empty' },
          `Nothing yet. Write to ${mailbox.support}: a ticket is filed, and the answers come back here.`,
        )
      : h('ul', { class: 'mail-list', 'aria-label': 'Mail' }, ...messages.map((mail) => mailNode(mail, context))),
  );
}

/** @param {Mail} mail @param {MailContext} context */
function mailNode(mail, context) {
  const sent = mail.box === 'sent';
  return h(
    'li',
    { class: `mail ${sent ? 'mail-sent' : 'mail-inbox'}`, 'data-message-id': mail.messageId },
    h(
      'header',
      { class: 'mail-head' },
      h('b', { class: 'mail-subject' }, mail.subject || '(no subject)'),
      h(
        'div',
        { class: 'muted' },
        sent
          ? `To ${mail.to}`
          : `From ${mail.from.name ? `${mail.from.name} <${mail.from.address}>` : mail.from.address}`,
      ),
      h('div', { class: 'muted' }, new Date(mail.date).toUTCString()),
      mail.autoSubmitted
        ? h('div', { class: 'muted' }, `Sent automatically (Auto-Submitted: ${mail.autoSubmitted})`)
        : null,
    ),
    h('pre', { class: 'mail-text' }, mail.text),
    !sent && context.onReply
      ? h('button', { type: 'button', class: 'bk-button', onclick: () => context.onReply?.(mail) }, 'Reply')
      : null,
  );
}
