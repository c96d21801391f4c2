// ─── What a person types, as Slack sends it to an app ──────────────────────────────────────────
// Slack's client turns a typed message into text with control sequences and HTML entities
// (https://docs.slack.dev/messaging/formatting-message-text/): `&`, `<`, `>` become `&amp;`, `&lt;`,
// `&gt;`; a person picked from the @-menu becomes `<@U123>`; @here, @channel and @everyone become
// `<!here>`, `<!channel>`, `<!everyone>`; a user group `<!subteam^S123>`; a channel `<#C123|general>`;
// a URL `<https://…>` (`<https://…|label>` when the link was given a label). The simulator reads what a
// test "typed" the same way, so a test says `Hi @ana, AT&T <b>` and the app receives what Slack sends.

/** Who and what a typed @name or #name can refer to: the fake's directory. */
export interface TypedTextDirectory {
  userNamed(name: string): { id: string; name: string } | undefined;
  userGroupNamed(handle: string): { id: string; handle: string } | undefined;
  channelNamed(name: string): { id: string; name: string } | undefined;
}

export type TypedSegment =
  | { kind: 'text'; text: string }
  | { kind: 'user'; id: string; name: string; typed: string }
  | { kind: 'broadcast'; range: 'here' | 'channel' | 'everyone'; typed: string }
  | { kind: 'usergroup'; id: string; handle: string; typed: string }
  | { kind: 'channel'; id: string; name: string; typed: string }
  | { kind: 'link'; url: string; label?: string; typed: string };

const BROADCASTS = new Set(['here', 'channel', 'everyone']);

// A link with a label (made with Slack's link button) is written `[label](https://…)` in a test.
// Slack's client also links what merely looks like an address: a bare email becomes
// `<mailto:a@b.c|a@b.c>` and a bare domain `<http://example.com|example.com>`
// (https://docs.slack.dev/messaging/formatting-message-text/#linking-urls: "URLs and email addresses
// are automatically linked"), so an app must read the label, not assume plain words.
const EMAIL = String.raw`[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}`;
const BARE_DOMAIN = String.raw`(?<![\w@./-])(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|app|co|edu|gov|info|biz|uk|de|fr|eu)(?![\w-])(?:/[^\s<>]*)?`;
const TOKEN = new RegExp(
  String.raw`\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|https?:\/\/[^\s<>]+|(?<![\w.%+-])(${EMAIL})|(${BARE_DOMAIN})|(?<![\w@])@([a-z0-9][a-z0-9._-]*)|(?<![\w&#])#([a-z0-9][a-z0-9_-]*)`,
  'gi',
);
const TRAILING_PUNCTUATION = /[.,;:!?)'"]+$/;

/** Splits typed text into what Slack's client recognises: mentions, broadcasts, channels, links, plain words. */
export function readTyped(typed: string, directory: TypedTextDirectory): TypedSegment[] {
  const segments: TypedSegment[] = [];
  let plain = '';
  let last = 0;
  const flush = () => {
    if (plain) segments.push({ kind: 'text', text: plain });
    plain = '';
  };
  for (const match of typed.matchAll(TOKEN)) {
    let token = match[0];
    const [, label, labelledUrl, email, bareDomain, mention, channel] = match;
    const recognised = ((): TypedSegment | undefined => {
      if (labelledUrl !== undefined) return { kind: 'link', url: labelledUrl, label, typed: token };
      if (email !== undefined) return { kind: 'link', url: `mailto:${email}`, label: email, typed: token };
      if (bareDomain !== undefined) {
        token = bareDomain.replace(TRAILING_PUNCTUATION, '');
        return { kind: 'link', url: `http://${token}`, label: token, typed: token };
      }
      if (mention !== undefined) {
        const name = mention.replace(TRAILING_PUNCTUATION, '');
        token = `@${name}`;
        const lower = name.toLowerCase();
        if (BROADCASTS.has(lower))
          return { kind: 'broadcast', range: lower as 'here' | 'channel' | 'everyone', typed: token };
        const user = directory.userNamed(name);
        if (user) return { kind: 'user', id: user.id, name: user.name, typed: token };
        const group = directory.userGroupNamed(name);
        return group ? { kind: 'usergroup', id: group.id, handle: group.handle, typed: token } : undefined;
      }
      if (channel !== undefined) {
        const found = directory.channelNamed(channel);
        return found ? { kind: 'channel', id: found.id, name: found.name, typed: token } : undefined;
      }
      token = token.replace(TRAILING_PUNCTUATION, '');
      return { kind: 'link', url: token, typed: token };
    })();
    plain += typed.slice(last, match.index);
    if (recognised === undefined) {
      plain += match[0];
    } else {
      flush();
      segments.push(recognised);
      plain += match[0].slice(token.length);
    }
    last = match.index + match[0].length;
  }
  plain += typed.slice(last);
  flush();
  return segments;
}

/** `&`, `<` and `>` as Slack sends them in text. */
export function encodeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One segment as it reads in the `text` of a message event. */
function messageTextOf(segment: TypedSegment): string {
  switch (segment.kind) {
    case 'text':
      return encodeEntities(segment.text);
    case 'user':
      return `<@${segment.id}>`;
    case 'broadcast':
      return `<!${segment.range}>`;
    case 'usergroup':
      return `<!subteam^${segment.id}>`;
    case 'channel':
      return `<#${segment.id}|${segment.name}>`;
    case 'link':
      return segment.label === undefined
        ? `<${encodeEntities(segment.url)}>`
        : `<${encodeEntities(segment.url)}|${encodeEntities(segment.label)}>`;
  }
}

/** The `text` of a message event (and of message_changed, me_message, shortcut messages, attachments). */
export function slackMessageText(segments: readonly TypedSegment[]): string {
  return segments.map(messageTextOf).join('');
}

/** One segment as it reads in a slash command's text when Slack escapes it. */
function escapedCommandTextOf(segment: TypedSegment): string {
  switch (segment.kind) {
    case 'text':
      return encodeEntities(segment.text);
    case 'user':
      return `<@${segment.id}|${segment.name}>`;
    case 'broadcast':
      return `<!${segment.range}>`;
    case 'usergroup':
      return `<!subteam^${segment.id}|@${segment.handle}>`;
    case 'channel':
      return `<#${segment.id}|${segment.name}>`;
    case 'link':
      return `<${encodeEntities(segment.url)}>`;
  }
}

/**
 * The `text` of a slash command. With "Escape channels, users, and links sent to your app" on (the
 * manifest's `should_escape: true`), mentions arrive with their id and the name typed (`<@U123|ana>`),
 * channels as `<#C123|general>`, links in angle brackets; off, they arrive as typed (`@ana`).
 * (https://docs.slack.dev/interactivity/implementing-slash-commands/). `&`, `<`, `>` arrive as
 * entities either way.
 */
export function slackCommandText(segments: readonly TypedSegment[], shouldEscape: boolean): string {
  if (shouldEscape) return segments.map(escapedCommandTextOf).join('');
  return segments.map((segment) => encodeEntities(segment.kind === 'text' ? segment.text : segment.typed)).join('');
}

function richTextElementOf(segment: TypedSegment): Record<string, unknown> {
  switch (segment.kind) {
    case 'text':
      return { type: 'text', text: segment.text };
    case 'user':
      return { type: 'user', user_id: segment.id };
    case 'broadcast':
      return { type: 'broadcast', range: segment.range };
    case 'usergroup':
      return { type: 'usergroup', usergroup_id: segment.id };
    case 'channel':
      return { type: 'channel', channel_id: segment.id };
    case 'link':
      return segment.label === undefined
        ? { type: 'link', url: segment.url }
        : { type: 'link', url: segment.url, text: segment.label };
  }
}

/** The rich_text block Slack's client attaches to a typed message: plain words raw, the rest as elements. */
export function slackRichText(segments: readonly TypedSegment[], blockId: string): Record<string, unknown> {
  return {
    type: 'rich_text',
    block_id: blockId,
    elements: [{ type: 'rich_text_section', elements: segments.map(richTextElementOf) }],
  };
}
