/** Block Kit as a person would read it, in a terminal: headers bold, buttons in brackets. */
type Json = Record<string, any>;

const bold = (text: string) => `\x1b[1m${text}\x1b[22m`;
const dim = (text: string) => `\x1b[2m${text}\x1b[22m`;

/** Slack markup to plain text: mentions by name, *bold* kept readable, entities decoded. */
export function slackText(text: string, names: ReadonlyMap<string, string>): string {
  return text
    .replace(/<@([UW][A-Z0-9]+)(\|[^>]*)?>/g, (_, id: string) => `@${names.get(id) ?? id}`)
    .replace(/<#([CG][A-Z0-9]+)(\|([^>]*))?>/g, (_, id: string, __, name?: string) => `#${name ?? id}`)
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/:[a-z_]+:\s?/g, '')
    .replace(/\*([^*\n]+)\*/g, (_, inner: string) => bold(inner))
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function element(item: Json, names: ReadonlyMap<string, string>): string {
  if (item.type === 'button') return `[${item.text?.text ?? ''}]`;
  if (item.type === 'static_select' || item.type === 'users_select') return `[${item.placeholder?.text ?? 'choose'} ▾]`;
  if (item.type === 'plain_text_input') return `[${item.initial_value ?? '…'}]`;
  if (item.text) return slackText(item.text.text ?? item.text, names);
  return '';
}

export function renderBlocks(blocks: readonly Json[] | undefined, names: ReadonlyMap<string, string>): string[] {
  const lines: string[] = [];
  for (const block of blocks ?? []) {
    switch (block.type) {
      case 'header':
        lines.push(bold(slackText(block.text.text, names)));
        break;
      case 'section': {
        if (block.text) lines.push(...slackText(block.text.text, names).split('\n'));
        if (block.fields) {
          const pairs = (block.fields as Json[]).map((field) => slackText(field.text, names).replace('\n', ': '));
          for (let index = 0; index < pairs.length; index += 2) lines.push(pairs.slice(index, index + 2).join('    '));
        }
        if (block.accessory) lines[lines.length - 1] += `  ${element(block.accessory, names)}`;
        break;
      }
      case 'context':
        lines.push(dim((block.elements as Json[]).map((item) => element(item, names)).join(' ')));
        break;
      case 'actions':
        lines.push((block.elements as Json[]).map((item) => element(item, names)).join(' '));
        break;
      case 'input':
        lines.push(`${block.label.text}${block.optional ? ' (optional)' : ''}: ${element(block.element, names)}`);
        break;
      case 'divider':
        lines.push(dim('────────'));
        break;
      default:
        break;
    }
  }
  return lines;
}
