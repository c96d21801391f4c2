import type { KnownBlock } from '@slack/types';
import type { WeeklyDigest } from '../src/tickets/weekly-digest.js';
import { clip, escapeMrkdwn, mrkdwn, plain, waited } from './text.js';

/** Slack allows 50 blocks in a message; the rest of a very large team is summed up in one line. */
const AGENTS_SHOWN = 40;

export function weeklyDigestText(digest: WeeklyDigest): string {
  const solved = digest.agents.reduce((sum, agent) => sum + agent.solved, 0);
  return `Your week in ${digest.groupNames.join(', ')}: ${solved} solved, ${digest.waitingCount} waiting for an agent.`;
}

/** The Monday digest a lead reads in their DM: per agent, then what nobody has taken yet. */
export function weeklyDigestBlocks(digest: WeeklyDigest, now: Date): KnownBlock[] {
  const days = `${digest.from.toISOString().slice(0, 10)} – ${new Date(digest.until.getTime() - 1).toISOString().slice(0, 10)}`;
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Your week in ${digest.groupNames.join(', ')}`, 150) },
    { type: 'context', elements: [mrkdwn(`${days} · ${weeklyDigestText(digest)}`)] },
  ];
  for (const agent of digest.agents.slice(0, AGENTS_SHOWN)) {
    const oldest = agent.oldestOpen
      ? `, oldest #${agent.oldestOpen.number} (${waited(agent.oldestOpen.createdAt, now)})`
      : '';
    blocks.push({
      type: 'section',
      text: mrkdwn(
        `*${escapeMrkdwn(agent.name)}* <@${agent.agent}>\n` +
          `${agent.solved} solved · :thumbsup: ${agent.good} good · :thumbsdown: ${agent.bad} bad · ${agent.open} open${oldest}`,
      ),
    });
  }
  const hidden = digest.agents.length - AGENTS_SHOWN;
  if (hidden > 0) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${hidden} more agents.`)] });
  blocks.push({ type: 'divider' });
  const waiting =
    digest.oldestWaiting.length === 0
      ? 'Nothing is waiting for an agent.'
      : digest.oldestWaiting
          .map(
            (ticket) =>
              `#${ticket.number} ${escapeMrkdwn(clip(ticket.subject, 80))} — waiting ${waited(ticket.createdAt, now)}`,
          )
          .join('\n');
  blocks.push({ type: 'section', text: mrkdwn(`*Oldest waiting* (${digest.waitingCount} in all)\n${waiting}`) });
  return blocks;
}
