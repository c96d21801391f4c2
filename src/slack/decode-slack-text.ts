import type { WebClient } from '@slack/web-api';
import type { Directory } from '../workspace/directory.js';

// ─── Slack's text, read once where it enters, into the words a person wrote ──────────────────────
// Slack sends message text (events, edits, shortcut messages, file names, slash commands) with `&`,
// `<`, `>` as entities and mentions, channels and links as control sequences
// (https://docs.slack.dev/messaging/formatting-message-text/). deskbolt stores what the person wrote,
// raw, and escapes it on every way back into mrkdwn; so it reads Slack's text here, once: a mention
// becomes a readable name (never a live ping when shown again), a broadcast plain words.

/** Names for the ids a text mentions; undefined when not known (the id is shown instead). */
export interface SlackNames {
  user(id: string): string | undefined;
  channel?(id: string): string | undefined;
  userGroup?(id: string): string | undefined;
}

/** A person the text mentioned by id, and how they now read in the decoded text (`@ana`). */
export interface DecodedMention {
  userId: string;
  shown: string;
}

export interface DecodedText {
  text: string;
  mentions: DecodedMention[];
}

const CONTROL = /<([^<>]*)>/g;
const BROADCASTS = new Set(['here', 'channel', 'everyone', 'group']);

export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function withoutScheme(url: string): string {
  return url.replace(/^mailto:|^tel:/, '').replace(/^https?:\/\//, '');
}

/** One control sequence (without its angle brackets) as the words it shows. */
function readControl(inner: string, names: SlackNames, mentions: DecodedMention[]): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? '' : decodeEntities(inner.slice(bar + 1));
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const shown = `@${(label || names.user(id) || id).replace(/^@/, '')}`;
    mentions.push({ userId: id, shown });
    return shown;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `#${label || names.channel?.(id) || id}`;
  }
  if (target.startsWith('!')) {
    const command = target.slice(1);
    if (BROADCASTS.has(command)) return `@${command}`;
    if (command.startsWith('subteam^')) {
      const id = command.slice('subteam^'.length);
      return `@${(label || names.userGroup?.(id) || id).replace(/^@/, '')}`;
    }
    // <!date^…|fallback> and other special commands show their fallback text.
    return label || command;
  }
  const url = decodeEntities(target);
  // An address Slack linked by itself (`<mailto:a@b.c>`, as escaped slash-command text carries it) is the address the person typed.
  if (!label && url.startsWith('mailto:')) return withoutScheme(url);
  if (!label || label === url || label === withoutScheme(url)) return label || url;
  return `${label} (${url})`;
}

/**
 * The raw text a person wrote, from Slack's encoding: `&amp;`→`&`, `<@U1|ana>`→`@ana`, `<@U1>`→`@` and
 * their name, `<!here>`→`@here`, `<#C1|general>`→`#general`, `<https://x|label>`→`label (https://x)`.
 */
export function decodeSlackText(text: string, names: SlackNames): DecodedText {
  const mentions: DecodedMention[] = [];
  let decoded = '';
  let last = 0;
  for (const match of text.matchAll(CONTROL)) {
    decoded += decodeEntities(text.slice(last, match.index));
    decoded += readControl(match[1]!, names, mentions);
    last = match.index + match[0].length;
  }
  decoded += decodeEntities(text.slice(last));
  return { text: decoded, mentions };
}

/** The user ids Slack's text mentions (`<@U…>`), to learn their names before decoding. */
export function mentionedUserIds(text: string): string[] {
  return [...new Set([...text.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((match) => match[1]!))];
}

// ─── Names from the workspace file, then Slack ────────────────────────────────────────────────

const LEARNED_NAMES_MAX = 2000;

/**
 * Names for decoding: the workspace file's first, then Slack's (users.info) for ids the file does not
 * know, remembered per app so one person costs one lookup.
 */
export class MentionNames {
  private readonly learned = new Map<string, string>();

  constructor(private readonly directory: Directory) {}

  known(): SlackNames {
    return { user: (id) => this.directory.agent(id)?.name ?? this.learned.get(id) };
  }

  /** Looks up, in Slack, the people `texts` mention that no name is known for; within `budgetMs` when given. */
  async learn(client: WebClient, texts: readonly string[], budgetMs?: number): Promise<SlackNames> {
    const names = this.known();
    const unknown = [...new Set(texts.flatMap(mentionedUserIds))].filter((id) => names.user(id) === undefined);
    if (unknown.length > 0) {
      const lookups = Promise.all(unknown.map((id) => this.lookUp(client, id)));
      await (budgetMs === undefined
        ? lookups
        : Promise.race([lookups, new Promise((resolve) => setTimeout(resolve, budgetMs).unref())]));
    }
    return names;
  }

  private async lookUp(client: WebClient, id: string): Promise<void> {
    try {
      const { user } = await client.users.info({ user: id });
      const name = user?.profile?.display_name || user?.real_name || user?.name;
      if (!name) return;
      if (this.learned.size >= LEARNED_NAMES_MAX) this.learned.delete(this.learned.keys().next().value!);
      this.learned.set(id, name);
    } catch {
      // Unknown to Slack, or Slack unreachable: the mention shows its id.
    }
  }
}

const namesOfDesk = new WeakMap<Directory, MentionNames>();

/** The names one app has learned (one per workspace directory, so two apps in a process never share them). */
export function mentionNames(directory: Directory): MentionNames {
  let names = namesOfDesk.get(directory);
  if (names === undefined) {
    names = new MentionNames(directory);
    namesOfDesk.set(directory, names);
  }
  return names;
}

/** Slack text from an event, decoded with the names of the people it mentions (looked up after the ack). */
export async function readSlackText(
  client: WebClient,
  directory: Directory,
  text: string | undefined,
): Promise<string> {
  if (!text) return '';
  const names = await mentionNames(directory).learn(client, [text]);
  return decodeSlackText(text, names).text;
}

/** The parts of a Slack message (as a shortcut or an event carries it) whose words belong to it. */
export interface SlackMessageParts {
  text?: string;
  attachments?: {
    pretext?: string;
    title?: string;
    title_link?: string;
    text?: string;
    fallback?: string;
    from_url?: string;
  }[];
  files?: { name?: string; title?: string; permalink?: string; url_private?: string }[];
}

/** Every Slack text of a message, for looking up the people it mentions. */
export function textsOf(message: SlackMessageParts): string[] {
  const attachments = (message.attachments ?? []).flatMap((a) => [a.pretext, a.title, a.text ?? a.fallback]);
  return [message.text, ...attachments].filter((text): text is string => typeof text === 'string');
}

/**
 * A whole message as the words a person would read in it: its text, then each attachment's pretext,
 * title (with its link) and text, then each file's name with its link; decoded, one part a paragraph.
 */
export function decodeSlackMessage(message: SlackMessageParts, names: SlackNames): string {
  const read = (text: string | undefined) => (text ? decodeSlackText(text, names).text.trim() : '');
  const parts = [read(message.text)];
  for (const attachment of message.attachments ?? []) {
    const title = read(attachment.title);
    const link = attachment.title_link ?? attachment.from_url;
    const lines = [
      read(attachment.pretext),
      title && link ? `${title} (${link})` : title || (link ?? ''),
      read(attachment.text ?? attachment.fallback),
    ];
    parts.push(lines.filter(Boolean).join('\n'));
  }
  for (const file of message.files ?? []) {
    const name = decodeEntities(file.title || file.name || 'a file');
    const link = file.permalink ?? file.url_private;
    parts.push(link ? `${name} (${link})` : name);
  }
  return parts.filter(Boolean).join('\n\n');
}
