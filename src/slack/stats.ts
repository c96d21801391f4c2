import { statsMessage } from '../../blocks/stats.js';
import { refuse, type Desk, type Refusal } from '../tickets/desk.js';
import { deskStats, periodWindow, type Period } from '../tickets/stats.js';
import { personNamed, type MentionedPerson } from '../workspace/people.js';
import { addSubcommands } from './commands.js';
import { tellEphemeral } from './context.js';

interface StatsRequest {
  agent: string | undefined;
  period: Period;
}

/**
 * `[@agent] [week|month]` in either order. The agent as Slack sends a mention (decoded to `@ana`, their
 * id kept in `mentions`), a user id, or their name in the workspace file.
 */
export function parseStatsArgs(desk: Desk, args: string, mentions: readonly MentionedPerson[] = []): { ok: true; request: StatsRequest } | Refusal {
  let period: Period = 'week';
  const named: string[] = [];
  for (const word of args.split(/\s+/).filter(Boolean)) {
    const lower = word.toLowerCase();
    if (lower === 'week' || lower === 'month') period = lower;
    else named.push(word);
  }
  if (named.length === 0) return { ok: true, request: { agent: undefined, period } };
  const person = personNamed(desk.directory, named.join(' '), mentions);
  if (!person.ok) return refuse(`${person.reason} Try \`/ticket stats @ana week\`.`);
  if (!person.agent) return refuse(`“${named.join(' ').slice(0, 40)}” is not a support agent, so there are no stats of theirs.`);
  return { ok: true, request: { agent: person.agent.user, period } };
}

addSubcommands({
  stats: {
    usage: 'stats [@agent] [week|month]',
    what: 'solved, satisfaction, first-contact resolution and response times',
    agentsOnly: true,
    async run({ deps, args, mentions, userId, respond }) {
      const desk = deps.desk;
      if (!desk.directory.agent(userId)) return tellEphemeral(respond, 'Sorry — stats are for support agents.');
      const parsed = parseStatsArgs(desk, args, mentions);
      if (!parsed.ok) return tellEphemeral(respond, parsed.reason);
      const { agent, period } = parsed.request;
      const stats = await deskStats(desk, periodWindow(period, desk.clock()), agent ? { agent } : {});
      const who = agent ? desk.directory.agent(agent)!.name : desk.directory.workspace.name;
      const title = `${who} — last ${period === 'week' ? '7' : '30'} days`;
      await respond({ response_type: 'ephemeral', text: `${title}: ${stats.solved} solved`, blocks: statsMessage(title, stats) });
    },
  },
});
