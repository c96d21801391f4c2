import type { App, BlockAction, ButtonAction, ExternalSelectAction } from '@slack/bolt';
import { actionIds, replyFields } from '../../../blocks/ids.js';
import { macroOptions, type ReplyModalData } from '../../../blocks/reply-modal.js';
import { articleOptions, problemsList, type SearchMoreValue, searchResults } from '../../../blocks/search.js';
import { clip, escapeMrkdwn } from '../../../blocks/text.js';
import { articleByKey, deskArticles, type KeyedArticle } from '../../tickets/articles.js';
import type { Desk } from '../../tickets/desk.js';
import { macrosFor, searchMacros } from '../../tickets/macros.js';
import { parseTicketNumber } from '../../tickets/permissions.js';
import { linkIncident } from '../../tickets/problems.js';
import { refuse } from '../../tickets/refusals.js';
import { openProblems, type SearchResult, searchTickets } from '../../tickets/search.js';
import { searchArticles } from '../../tickets/suggestions.js';
import { askerOf } from '../answer.js';
import { updateReplyModal } from '../screens.js';
import { refusalText } from '../words.js';
import type { ButtonArgs, ListenerDeps, Subcommand } from './answers.js';

function resultsMessage(desk: Desk, result: SearchResult, page: number) {
  const text = `${result.tickets.length}${result.next ? '+' : ''} found for “${escapeMrkdwn(clip(result.query.text, 200))}”`;
  return {
    text,
    blocks: searchResults({
      query: result.query.text,
      order: result.query.order,
      tickets: result.tickets,
      next: result.next,
      page,
      truncated: result.truncated,
      now: desk.clock(),
    }),
  };
}

/** `/ticket search` and `/ticket problems`: routed by commands.ts with the rest. */
export const searchSubcommands: [string, Subcommand][] = [
  [
    'search',
    {
      usage:
        'search words | #N | email | status:open group:NAME assignee:me|none|@agent tag:WORD since:7d requester:@person order:oldest',
      what: 'find tickets by words in the subject, description or comments, and filters; newest first',
      agentsOnly: 'search tickets',
      async run({ desk, args, userId, asker }) {
        const result = await searchTickets(desk, userId, args);
        if (!result.ok) return asker.refuse(result);
        const message = resultsMessage(desk, result, 0);
        await asker.say(message.text, message.blocks);
      },
    },
  ],
  [
    'problems',
    {
      usage: 'problems [N]',
      what: 'open problem tickets; with N, each has Link to make N one of its incidents',
      agentsOnly: true,
      async run({ desk, args, userId, asker }) {
        let incident: number | null = null;
        if (args.trim()) {
          const parsed = parseTicketNumber(args);
          if (!parsed.ok) return asker.refuse(parsed);
          incident = parsed.number;
        }
        const list = await openProblems(desk, userId);
        if (!list.ok) return asker.refuse(list);
        await asker.say(`${list.problems.length} open problem(s)`, problemsList(list.problems, incident, desk.clock()));
      },
    },
  ],
];

function readMore(value: string | undefined): SearchMoreValue | null {
  try {
    const parsed = JSON.parse(value ?? '') as Partial<SearchMoreValue>;
    return typeof parsed.q === 'string' && typeof parsed.after === 'string' && Number.isInteger(parsed.page)
      ? (parsed as SearchMoreValue)
      : null;
  } catch {
    return null;
  }
}

/** Next page: the same message shows the following results. */
async function moreClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const { desk } = deps;
  const asker = askerOf({
    desk,
    log: deps.log,
    client: args.client,
    userId: args.body.user.id,
    respond: args.respond,
    hasResponseUrl: Boolean(args.body.response_url),
  });
  const more = readMore(args.action.value);
  if (!more) return asker.say('This button is not one of ours.');
  const result = await searchTickets(desk, args.body.user.id, more.q, { after: more.after });
  if (!result.ok) return asker.refuse(result);
  const message = resultsMessage(desk, result, more.page);
  if (args.body.response_url) await args.respond({ replace_original: true, ...message });
  else await asker.say(message.text, message.blocks);
}

async function linkClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const asker = askerOf({
    desk: deps.desk,
    log: deps.log,
    client: args.client,
    userId: args.body.user.id,
    respond: args.respond,
    hasResponseUrl: Boolean(args.body.response_url),
  });
  const [incidentText, problemText] = (args.action.value ?? '').split(':');
  const incident = parseTicketNumber(incidentText);
  const problem = parseTicketNumber(problemText);
  if (!incident.ok) return asker.refuse(incident);
  if (!problem.ok) return asker.refuse(problem);
  const result = await linkIncident(deps.desk, {
    incident: incident.number,
    problem: problem.number,
    agent: args.body.user.id,
  });
  if (!result.ok) return asker.say(refusalText(deps.desk, result));
  await asker.say(
    `#${incident.number} is now an incident of problem #${problem.number}. Solving #${problem.number} solves it too.`,
  );
}

/** Search results' Next, the problems list's Link, and the reply form's knowledge-base search. */
export function registerSearch(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(actionIds.searchMore, (args) => moreClicked(deps, args));
  app.action<BlockAction<ButtonAction>>(actionIds.linkToProblem, (args) => linkClicked(deps, args));

  // Options as the agent types: only agents see the reply form, and only they get articles back.
  app.options<'block_suggestion'>(replyFields.kbSearch, async ({ ack, body }) => {
    if (!deps.desk.directory.agent(body.user.id)) return ack({ options: [] });
    await ack({ options: articleOptions(searchArticles(deskArticles(deps.desk.directory), body.value)) });
  });

  // The macro picker's options as the agent types: their own first, then the workspace's, best 100.
  app.options<'block_suggestion'>(replyFields.macro, async ({ ack, body }) => {
    if (!deps.desk.directory.agent(body.user.id)) return ack({ options: [] });
    await ack(macroOptions(searchMacros(await macrosFor(deps.desk, body.user.id), body.value)));
  });

  // An article picked from the search: the form shows its title and summary, with Link to add it to the text.
  app.action<BlockAction<ExternalSelectAction>>(replyFields.kbSearch, async ({ ack, body, action, client }) => {
    await ack();
    const article = articleByKey(deps.desk.directory, action.selected_option?.value ?? '');
    await updateReplyModal(deps.desk, client, body.user.id, body.view, () =>
      article ? { preview: previewOf(article) } : { articleGone: refusalText(deps.desk, refuse('article_gone')) },
    );
  });
}

function previewOf(article: KeyedArticle): NonNullable<ReplyModalData['preview']> {
  return {
    key: article.key,
    title: article.title,
    url: article.url,
    ...(article.summary ? { summary: article.summary } : {}),
  };
}
