// Slack's mrkdwn, read into tokens that the page turns into DOM nodes (never into HTML text).
// Rules from docs.slack.dev/messaging/formatting-message-text: text arrives with &, < and > encoded
// as &amp; &lt; &gt;; a raw < … > is a control sequence (a mention, a channel, a link, @here);
// *bold*, _italic_, ~strike~ and `code` need a word boundary outside the markers; ``` fences
// preformatted text; a line starting with a raw > is a quote (an encoded &gt; is just text).

/**
 * @typedef {{ type: 'text', text: string }} TextToken
 * @typedef {{ type: 'bold' | 'italic' | 'strike', children: Token[] }} StyleToken
 * @typedef {{ type: 'code' | 'pre', text: string }} CodeToken
 * @typedef {{ type: 'quote', children: Token[] }} QuoteToken
 * @typedef {{ type: 'link', href: string, children: Token[] }} LinkToken
 * @typedef {{ type: 'user' | 'channel', id: string, label?: string }} MentionToken
 * @typedef {{ type: 'special', label: string }} SpecialMentionToken
 * @typedef {{ type: 'emoji', name: string }} EmojiToken
 * @typedef {{ type: 'br' }} BreakToken
 * @typedef {TextToken | StyleToken | CodeToken | QuoteToken | LinkToken | MentionToken | SpecialMentionToken | EmojiToken | BreakToken} Token
 */

const ENTITIES = /** @type {const} */ ([
  ['&amp;', '&'],
  ['&lt;', '<'],
  ['&gt;', '>'],
]);

/** Only these open as links: anything else (javascript:, data:) stays text. */
const LINK_SCHEMES = /^(https?:\/\/|mailto:)/i;

const STYLE_MARKERS = /** @type {Record<string, 'bold' | 'italic' | 'strike'>} */ ({
  '*': 'bold',
  _: 'italic',
  '~': 'strike',
});

/** @param {string} text */
export function decodeEntities(text) {
  return text.replace(/&(amp|lt|gt);/g, (_, name) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

/** @param {string | undefined} char */
const isWordChar = (char) => char !== undefined && /[\p{L}\p{N}]/u.test(char);
/** @param {string | undefined} char */
const isSpace = (char) => char === undefined || /\s/.test(char);

/**
 * @param {Token[]} tokens
 * @param {string} text
 */
function pushText(tokens, text) {
  if (text === '') return;
  const last = tokens.at(-1);
  if (last?.type === 'text') last.text += text;
  else tokens.push({ type: 'text', text });
}

/**
 * A raw < … > sequence, or undefined when it is none Slack knows (then it shows as typed).
 * @param {string} inner
 * @returns {Token | undefined}
 */
function controlSequence(inner) {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : decodeEntities(inner.slice(bar + 1));
  const user = /^@([UW][A-Z0-9]+)$/.exec(target);
  if (user?.[1]) return { type: 'user', id: user[1], ...(label ? { label } : {}) };
  const channel = /^#([CG][A-Z0-9]+)$/.exec(target);
  if (channel?.[1]) return { type: 'channel', id: channel[1], ...(label ? { label } : {}) };
  if (target === '!here' || target === '!channel' || target === '!everyone')
    return { type: 'special', label: `@${target.slice(1)}` };
  if (target.startsWith('!subteam^')) return { type: 'special', label: label ?? '@group' };
  if (target.startsWith('!date^')) return { type: 'text', text: label ?? '' };
  if (LINK_SCHEMES.test(target)) {
    const href = decodeEntities(target);
    return { type: 'link', href, children: [{ type: 'text', text: label ?? href }] };
  }
  return undefined;
}

/**
 * One line (or a styled run inside it) of mrkdwn.
 * @param {string} text
 * @returns {Token[]}
 */
export function parseInline(text) {
  /** @type {Token[]} */
  const tokens = [];
  let i = 0;
  while (i < text.length) {
    const char = text.charAt(i);
    const entity = ENTITIES.find(([encoded]) => text.startsWith(encoded, i));
    if (entity) {
      pushText(tokens, entity[1]);
      i += entity[0].length;
      continue;
    }
    if (char === '<') {
      const end = text.indexOf('>', i + 1);
      const token = end < 0 ? undefined : controlSequence(text.slice(i + 1, end));
      if (token !== undefined && end >= 0) {
        if (token.type === 'text') pushText(tokens, token.text);
        else tokens.push(token);
        i = end + 1;
        continue;
      }
      pushText(tokens, decodeEntities(end < 0 ? text.slice(i) : text.slice(i, end + 1)));
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    if (char === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        tokens.push({ type: 'code', text: decodeEntities(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    const style = STYLE_MARKERS[char];
    if (style !== undefined && !isWordChar(text[i - 1]) && !isSpace(text[i + 1])) {
      let end = text.indexOf(char, i + 2);
      while (end >= 0 && (isSpace(text[end - 1]) || isWordChar(text[end + 1]))) end = text.indexOf(char, end + 1);
      if (end > i + 1) {
        tokens.push({ type: style, children: parseInline(text.slice(i + 1, end)) });
        i = end + 1;
        continue;
      }
    }
    if (char === ':') {
      const emoji = /^:([a-z0-9_+'-]+):/.exec(text.slice(i));
      if (emoji?.[1]) {
        tokens.push({ type: 'emoji', name: emoji[1] });
        i += emoji[0].length;
        continue;
      }
    }
    pushText(tokens, char);
    i += 1;
  }
  return tokens;
}

/**
 * Lines with their quotes and breaks.
 * @param {string} text
 * @returns {Token[]}
 */
function parseLines(text) {
  /** @type {Token[]} */
  const tokens = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line.startsWith('>>>')) {
      tokens.push({
        type: 'quote',
        children: parseLines([line.slice(3).replace(/^ /, ''), ...lines.slice(index + 1)].join('\n')),
      });
      return tokens;
    }
    if (line.startsWith('>')) {
      /** @type {string[]} */
      const quoted = [];
      while (index < lines.length && (lines[index] ?? '').startsWith('>') && !(lines[index] ?? '').startsWith('>>>')) {
        quoted.push((lines[index] ?? '').slice(1).replace(/^ /, ''));
        index += 1;
      }
      index -= 1;
      tokens.push({ type: 'quote', children: parseLines(quoted.join('\n')) });
      continue;
    }
    if (index > 0 && tokens.at(-1)?.type !== 'quote') tokens.push({ type: 'br' });
    tokens.push(...parseInline(line));
  }
  return tokens;
}

/**
 * Slack mrkdwn text as tokens.
 * @param {string} text
 * @returns {Token[]}
 */
export function parseMrkdwn(text) {
  /** @type {Token[]} */
  const tokens = [];
  const fence = /```([\s\S]*?)```/g;
  let from = 0;
  for (let match = fence.exec(text); match !== null; match = fence.exec(text)) {
    tokens.push(...parseLines(text.slice(from, match.index).replace(/\n$/, '')));
    tokens.push({ type: 'pre', text: decodeEntities((match[1] ?? '').replace(/^\n/, '')) });
    from = match.index + match[0].length;
  }
  const rest = text.slice(from);
  if (rest !== '' || from === 0) tokens.push(...parseLines(from > 0 ? rest.replace(/^\n/, '') : rest));
  return tokens;
}

/**
 * A plain_text object: shown as written, only :emoji: codes turned into emoji when it says emoji.
 * @param {string} text
 * @param {boolean} emoji
 * @returns {Token[]}
 */
export function parsePlainText(text, emoji) {
  if (!emoji) return [{ type: 'text', text }];
  /** @type {Token[]} */
  const tokens = [];
  let from = 0;
  const codes = /:([a-z0-9_+'-]+):/g;
  for (let match = codes.exec(text); match !== null; match = codes.exec(text)) {
    pushText(tokens, text.slice(from, match.index));
    tokens.push({ type: 'emoji', name: match[1] ?? '' });
    from = match.index + match[0].length;
  }
  pushText(tokens, text.slice(from));
  return tokens;
}

/** The emoji deskbolt and people commonly use; any other code shows as its :name:. */
export const EMOJI = /** @type {Record<string, string>} */ ({
  '+1': '👍',
  '-1': '👎',
  thumbsup: '👍',
  thumbsdown: '👎',
  arrow_up: '⬆️',
  arrow_heading_up: '⤴️',
  arrows_counterclockwise: '🔄',
  bust_in_silhouette: '👤',
  checkered_flag: '🏁',
  email: '📧',
  eyes: '👀',
  hourglass_flowing_sand: '⏳',
  jigsaw: '🧩',
  large_blue_circle: '🔵',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  lock: '🔒',
  new: '🆕',
  rotating_light: '🚨',
  speech_balloon: '💬',
  tada: '🎉',
  warning: '⚠️',
  white_check_mark: '✅',
  white_circle: '⚪',
  x: '❌',
  heart: '❤️',
  smile: '😄',
  wave: '👋',
  pray: '🙏',
  fire: '🔥',
});
