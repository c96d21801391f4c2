import type { KnownBlock } from '@slack/types';
import type { DeskReport, SlaTally } from '../src/tickets/reports.js';
import type { DeskStats } from '../src/tickets/stats.js';
import { clip, escapeMrkdwn, mrkdwn } from './text.js';

/** "45 min", "3 h 20 min", "2 d 4 h": a duration as a lead reads it. */
export function duration(ms: number | null): string {
  if (ms === null) return '—';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

export function percent(rate: number | null): string {
  return rate === null ? '—' : `${Math.round(rate * 100)}%`;
}

/** The figures as fields: solved, satisfaction, first-contact resolution, medians. */
export function statsFields(stats: DeskStats): KnownBlock {
  return {
    type: 'section',
    fields: [
      mrkdwn(`*Solved*\n${stats.solved}`),
      mrkdwn(`*Satisfaction*\n:+1: ${stats.good} · :-1: ${stats.bad}`),
      mrkdwn(
        `*First-contact resolution*\n${percent(stats.firstContactRate)} (${stats.firstContactResolved} of ${stats.solved})`,
      ),
      mrkdwn(`*Median first reply*\n${duration(stats.medianFirstReplyMs)}`),
      mrkdwn(`*Median resolution*\n${duration(stats.medianResolutionMs)}`),
    ],
  };
}

export function statsMessage(title: string, stats: DeskStats): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*${escapeMrkdwn(title)}*`) },
    statsFields(stats),
    {
      type: 'context',
      elements: [
        mrkdwn(
          `${stats.window.from.toISOString().slice(0, 16).replace('T', ' ')} – ${stats.window.to.toISOString().slice(0, 16).replace('T', ' ')} UTC, from the ticket history`,
        ),
      ],
    },
  ];
  if (stats.truncated)
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(':warning: Too many events to read at once: these figures cover the start of the period only.'),
      ],
    });
  return blocks;
}

/** "7 of 9 (78%)" */
function share(part: { met: number; total: number }): string {
  return part.total === 0 ? '—' : `${part.met} of ${part.total} (${percent(part.met / part.total)})`;
}

function slaText(tally: SlaTally): string {
  return `first reply ${share(tally.firstReply)} · resolution ${share(tally.resolution)}`;
}

function countsText(counts: readonly [string, number][], max = 8): string {
  if (counts.length === 0) return '—';
  const shown = counts.slice(0, max).map(([name, count]) => `${escapeMrkdwn(clip(name, 60))} ${count}`);
  return `${shown.join(' · ')}${counts.length > max ? ` · and ${counts.length - max} more` : ''}`;
}

/** What the solved tickets were about, what requesters said, and how often the SLA targets were met. */
export function reportBlocks(
  report: DeskReport,
  names: { group(id: number): string; agentInScope: boolean },
): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (report.sla) {
    const lines = [`*SLA targets met* — ${slaText(report.sla.all)}`];
    if (report.sla.byGroup.length > 1 || !names.agentInScope) {
      for (const [groupId, tally] of report.sla.byGroup.slice(0, 10))
        lines.push(`• ${escapeMrkdwn(names.group(groupId))}: ${slaText(tally)}`);
    }
    if (!names.agentInScope)
      for (const [agent, tally] of report.sla.byAgent.slice(0, 15)) lines.push(`• <@${agent}>: ${slaText(tally)}`);
    blocks.push({ type: 'section', text: mrkdwn(lines.join('\n')) });
  }
  blocks.push({
    type: 'section',
    text: mrkdwn(
      [
        `*Root causes* — ${countsText(report.rootCauses)}`,
        `*Categories* — ${countsText(report.categories)}`,
        `*Sub-categories* — ${countsText(report.subcategories)}`,
        ...(report.withoutForm > 0 ? [`_${report.withoutForm} solved without the form filled in_`] : []),
      ].join('\n'),
    ),
  });
  if (report.comments.length > 0) {
    const lines = report.comments.map(
      (comment) =>
        `${comment.rating === 'good' ? ':+1:' : ':-1:'} #${comment.ticketNumber}${comment.agent ? ` (<@${comment.agent}>)` : ''}: “${escapeMrkdwn(clip(comment.comment.replace(/\s+/g, ' '), 200))}”`,
    );
    blocks.push({ type: 'section', text: mrkdwn(`*Satisfaction comments*\n${lines.join('\n')}`) });
  }
  return blocks;
}
