import { describe, expect, it } from 'vitest';
import { escapeMrkdwn } from '../blocks/text.js';
import { parseMrkdwn, parsePlainText, type Token } from '../src/sandbox/page/mrkdwn.js';

/** What a reader sees, flattened: text as text, mentions and links marked, so escaping is easy to assert. */
function seen(tokens: Token[]): string {
  return tokens.map(shown).join('');
}

function shown(token: Token): string {
  switch (token.type) {
    case 'text':
      return token.text;
    case 'bold':
      return `[b:${seen(token.children)}]`;
    case 'italic':
      return `[i:${seen(token.children)}]`;
    case 'strike':
      return `[s:${seen(token.children)}]`;
    case 'code':
      return `[code:${token.text}]`;
    case 'pre':
      return `[pre:${token.text}]`;
    case 'quote':
      return `[quote:${seen(token.children)}]`;
    case 'link':
      return `[link ${token.href}:${seen(token.children)}]`;
    case 'user':
    case 'channel':
      return `[${token.type} ${token.id}]`;
    case 'special':
      return `[mention ${token.label}]`;
    case 'emoji':
      return `[emoji ${token.name}]`;
    case 'br':
      return '\n';
  }
}

const read = (text: string) => seen(parseMrkdwn(text));

describe('the sandbox page reads mrkdwn as Slack does', () => {
  it('shows escaped text as the text a person typed, markup and entities included', () => {
    const typed = '<b>Card</b> & <script>alert(1)</script> &amp; <!channel> <@U0ANA00001>';
    expect(read(escapeMrkdwn(typed))).toBe(typed);
  });

  it('turns raw control sequences into mentions and links, and encoded ones into text', () => {
    expect(read('from <@U0CARLA001> to <@U0ANA00001|ana> in <#C0BILLING01|billing-alerts>')).toBe(
      'from [user U0CARLA001] to [user U0ANA00001] in [channel C0BILLING01]',
    );
    expect(read('<!here> <!channel|channel> <!subteam^S123|@support>')).toBe(
      '[mention @here] [mention @channel] [mention @support]',
    );
    expect(read('&lt;!here&gt; &lt;@U0ANA00001&gt;')).toBe('<!here> <@U0ANA00001>');
    expect(read('<https://help.example.com/refunds|Refund &amp; timelines>')).toBe(
      '[link https://help.example.com/refunds:Refund & timelines]',
    );
  });

  it('never makes a link of a scheme other than http, https or mailto', () => {
    expect(read('<javascript:alert(1)|click me>')).toBe('<javascript:alert(1)|click me>');
    expect(read('<data:text/html,hi|x>')).toBe('<data:text/html,hi|x>');
    expect(read('<mailto:help@example.com|write to us>')).toBe('[link mailto:help@example.com:write to us]');
  });

  it('styles bold, italic, strike and code only at word boundaries', () => {
    expect(read('*Status*\n_unassigned_ ~old~ `code &lt;here&gt;`')).toBe(
      '[b:Status]\n[i:unassigned] [s:old] [code:code <here>]',
    );
    expect(read('2*3*4 and snake_case_name')).toBe('2*3*4 and snake_case_name');
    expect(read('*bold with _italic_ inside*')).toBe('[b:bold with [i:italic] inside]');
    expect(read('* not bold *')).toBe('* not bold *');
  });

  it('quotes lines that start with a raw >, never with an encoded one', () => {
    expect(read('*Incoming chat*\n>Hi! &gt; is my refund\n>through?')).toBe(
      '[b:Incoming chat][quote:Hi! > is my refund\nthrough?]',
    );
    expect(read('&gt; not a quote')).toBe('> not a quote');
  });

  it('keeps preformatted blocks as written, entities decoded', () => {
    expect(read('before\n```a *b* &lt;c&gt;```\nafter')).toBe('before[pre:a *b* <c>]after');
  });

  it('marks emoji codes in mrkdwn, and in plain text only when it says emoji', () => {
    expect(read(':large_green_circle: online')).toBe('[emoji large_green_circle] online');
    expect(seen(parsePlainText('Take it :tada: &amp; <b>', true))).toBe('Take it [emoji tada] &amp; <b>');
    expect(seen(parsePlainText('Take it :tada:', false))).toBe('Take it :tada:');
  });
});
