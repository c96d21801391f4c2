import type { KnownBlock } from '@slack/types';
import type { DeskStats } from '../src/tickets/stats.js';
import { escapeMrkdwn, mrkdwn } from './text.js';

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
      mrkdwn(`*First-contact resolution*\n${percent(stats.firstContactRate)} (${stats.firstContactResolved} of ${stats.solved})`),
      mrkdwn(`*Median first reply*\n${duration(stats.medianFirstReplyMs)}`),
      mrkdwn(`*Median resolution*\n${duration(stats.medianResolutionMs)}`),
    ],
  };
}

export function statsMessage(title: string, stats: DeskStats): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'section', text: mrkdwn(`*${escapeMrkdwn(title)}*`) },
    statsFields(stats),
    { type: 'context', elements: [mrkdwn(`${stats.window.from.toISOString().slice(0, 16).replace('T', ' ')} – ${stats.window.to.toISOString().slice(0, 16).replace('T', ' ')} UTC, from the ticket history`)] },
  ];
  if (stats.truncated) blocks.push({ type: 'context', elements: [mrkdwn(':warning: Too many events to read at once: these figures cover the start of the period only.')] });
  return blocks;
}
