import { statsMessage } from '../../blocks/stats.js';
import { refuse, type Desk, type Refusal } from '../tickets/desk.js';
import { deskStats, periodWindow, type Period } from '../tickets/stats.js';
import { addSubcommands } from './commands.js';
import { tellEphemeral } from './context.js';

interface StatsRequest {
  agent: string | undefined;
  period: Period;
}

/** `[@agent] [week|month]` in either order; the agent as a Slack mention, a user id, or their name in the workspace file. */
export function parseStatsArgs(desk: Desk, args: string): { ok: true; request: StatsRequest } | Refusal {
  let agent: string | undefined;
  let period: Period = 'week';
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const lower = word.toLowerCase();
    if (lower === 'week' || lower === 'month') {
      period = lower;
      continue;
    }
    const mention = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word)?.[1] ?? (/^[UW][A-Z0-9]{2,}$/.test(word) ? word : undefined);
    const byName = desk.directory.workspace.agents.find((candidate) => candidate.name.toLowerCase() === lower.replace(/^@/, ''));
    const found = mention ? desk.directory.agent(mention) : byName;
    if (!found) return refuse(`“${word.slice(0, 40)}” is neither an agent nor \`week\`/\`month\`. Try \`/ticket stats @ana week\`.`);
    agent = found.user;
  }
  return { ok: true, request: { agent, period } };
}

addSubcommands({
  stats: {
    usage: 'stats [@agent] [week|month]',
    what: 'solved, satisfaction, first-contact resolution and response times',
    agentsOnly: true,
    async run({ deps, args, userId, respond }) {
      const desk = deps.desk;
      if (!desk.directory.agent(userId)) return tellEphemeral(respond, 'Sorry — stats are for support agents.');
      const parsed = parseStatsArgs(desk, args);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const { agent, period } = parsed.request;
      const stats = await deskStats(desk, periodWindow(period, desk.clock()), agent ? { agent } : {});
      const who = agent ? desk.directory.agent(agent)!.name : desk.directory.workspace.name;
      const title = `${who} — last ${period === 'week' ? '7' : '30'} days`;
      await respond({ response_type: 'ephemeral', text: `${title}: ${stats.solved} solved`, blocks: statsMessage(title, stats) });
    },
  },
});
