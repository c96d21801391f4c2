import type { KnownBlock } from '@slack/types';
import { mrkdwn } from './text.js';

export interface HelpEntry {
  usage: string;
  what: string;
}

export function helpMessage(entries: readonly HelpEntry[], isAgent: boolean): KnownBlock[] {
  const lines = entries.map((entry) => `\`/ticket ${entry.usage}\` — ${entry.what}`);
  return [
    {
      type: 'section',
      text: mrkdwn(`*deskbolt* — ${isAgent ? 'your help desk in Slack' : 'ask the support team for help'}`),
    },
    { type: 'section', text: mrkdwn(lines.join('\n')) },
  ];
}
