import type { HomeView, KnownBlock, ModalView } from '@slack/types';
import type { MyLiveChat } from '../src/chats/my-chats.js';
import type { AgentHome, GuestHome, HomeData } from '../src/homes/home.js';
import type { HomeTicket } from '../src/store/homes.js';
import { SEARCH_QUERY_MAX } from '../src/tickets/search.js';
import { waitingChatsBlocks } from './chat-desk.js';
import { actionIds } from './ids.js';
import { statsFields } from './stats.js';
import { clip, escapeMrkdwn, mrkdwn, PRIORITY_BADGE, plain, requesterText, STATUS_BADGE, waited } from './text.js';

/** Slack refuses a home view over 100 blocks; every list below is capped so the whole stays under it. */
export const HOME_BLOCKS_MAX = 100;

/** `searchRefusal`: why the search was refused, already in mrkdwn (the caller renders refusals). */
/** A channel of the workspace file deskbolt cannot post in, as an admin's Home shows it. */
export interface ChannelTrouble {
  channel: string;
  /** What is wrong and what to do, in plain words (escaped here). */
  advice: string;
}

export function homeView(
  data: HomeData,
  now: Date,
  searchRefusal?: string,
  channelTrouble: readonly ChannelTrouble[] = [],
): HomeView {
  const blocks = data.role === 'guest' ? guestHome(data) : agentHome(data, now, searchRefusal);
  if (channelTrouble.length > 0 && data.role !== 'guest') blocks.splice(1, 0, ...channelTroubleBlocks(channelTrouble));
  return { type: 'home', blocks: blocks.slice(0, HOME_BLOCKS_MAX) };
}

/** Shown to admins above all else: a channel the bot cannot post in means a group sees nothing there. */
function channelTroubleBlocks(trouble: readonly ChannelTrouble[]): KnownBlock[] {
  const lines = trouble.slice(0, 10).map((item) => `• <#${item.channel}>: ${escapeMrkdwn(clip(item.advice, 250))}`);
  return [
    {
      type: 'section',
      block_id: 'home_channel_trouble',
      text: mrkdwn(
        `:warning: *deskbolt cannot post in ${trouble.length === 1 ? 'one channel' : `${trouble.length} channels`} of the workspace file*\n${lines.join('\n')}`,
      ),
    },
    {
      type: 'actions',
      block_id: 'home_channel_check',
      elements: [
        { type: 'button', action_id: actionIds.checkChannels, text: plain('Check channels again'), value: 'check' },
      ],
    },
  ];
}

function guestHome(data: GuestHome): KnownBlock[] {
  return [
    { type: 'header', text: plain(`${data.workspaceName} help desk`, 150) },
    {
      type: 'section',
      text: mrkdwn(
        '*deskbolt* is how you ask the support team for help, right here in Slack. Every request becomes a numbered ticket, and the team answers you in a direct message.',
      ),
    },
    {
      type: 'section',
      text: mrkdwn(
        '*To open a ticket*\n• Type `/ticket new` and fill in the form\n• Or send me a direct message describing the problem\n• Or use *New ticket* from the shortcuts menu, or *Create ticket* on any message',
      ),
    },
    { type: 'context', elements: [mrkdwn('`/ticket help` lists everything you can do.')] },
  ];
}

const HOME_WAITING_CHATS = 10;

const AVAILABILITY_TEXT: Record<AgentHome['availability'], string> = {
  online: ':large_green_circle: You are *online*: incoming chats ping you.',
  away: ':large_yellow_circle: You are *away*: no chat pings, but colleagues may still ask you to take one.',
  offline: ':white_circle: You are *offline*: no chats and no transfer requests reach you.',
};

/** The workspace file's `chats: false`: the agent's level of support is tickets only. */
const NO_CHATS_TEXT =
  ':ticket: You work *tickets only*: no chat is offered, given or transferred to you (`chats: false` in the workspace file).';

const AVAILABILITY_BUTTON: Record<AgentHome['availability'], string> = {
  online: 'Online',
  away: 'Away',
  offline: 'Offline',
};

const AVAILABILITY_DOT: Record<AgentHome['availability'], string> = {
  online: ':large_green_circle:',
  away: ':large_yellow_circle:',
  offline: ':white_circle:',
};

function agentHome(data: AgentHome, now: Date, searchRefusal?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plain(`Hi ${data.agent.name}`, 150) },
    {
      type: 'section',
      block_id: 'home_availability',
      text: mrkdwn(
        data.takesChats
          ? `${AVAILABILITY_TEXT[data.availability]}\n:speech_balloon: You take *chats and tickets*.`
          : NO_CHATS_TEXT,
      ),
    },
    // Availability says whether chats ping the agent: without chats there is nothing to toggle.
    ...(data.takesChats
      ? [
          {
            type: 'actions' as const,
            block_id: 'home_availability_toggle',
            elements: (['online', 'away', 'offline'] as const).map((state) => ({
              type: 'button' as const,
              action_id: `${actionIds.homeAvailability}_${state}`,
              text: plain(AVAILABILITY_BUTTON[state]),
              value: state,
              ...(state === data.availability ? { style: 'primary' as const } : {}),
            })),
          },
        ]
      : []),
    {
      type: 'input',
      block_id: 'home_search',
      dispatch_action: true,
      label: plain('Search tickets'),
      hint: plain(
        'A ticket number, a requester’s email, words from the ticket or its comments, filters such as status:open tag:refund — press Enter',
      ),
      element: {
        type: 'plain_text_input',
        action_id: actionIds.homeSearch,
        placeholder: plain('#1004, dana@example.com, refund status:open'),
        max_length: SEARCH_QUERY_MAX,
        dispatch_action_config: { trigger_actions_on: ['on_enter_pressed'] },
      },
    },
  ];
  if (data.search) {
    const { search } = data;
    const heading =
      (search.refusal ? searchRefusal : undefined) ??
      (search.tickets.length === 0
        ? `Nothing found for “${escapeMrkdwn(search.query)}”.`
        : `*Found for “${escapeMrkdwn(search.query)}”*`);
    blocks.push(
      { type: 'section', text: mrkdwn(heading) },
      ...search.tickets.slice(0, 10).map((ticket) => ticketLine(ticket, now)),
    );
    if (search.more)
      blocks.push(
        note(`More match: \`/ticket search ${escapeMrkdwn(search.query).replace(/`/g, "'")}\` pages through them all.`),
      );
  }
  // The agent's own live chats before anything else: a requester may be waiting on them right now.
  if (data.liveChats.length > 0) blocks.push({ type: 'divider' }, ...liveChatBlocks(data.liveChats, now));
  // Live chats first: a requester is waiting in real time. Ten at most, the home shares its 100 blocks.
  blocks.push({ type: 'divider' }, ...waitingChatsBlocks(data.waitingChats, now, HOME_WAITING_CHATS));
  blocks.push({ type: 'divider' }, { type: 'section', text: mrkdwn(`*Your open tickets* (${data.openCount})`) });
  blocks.push(
    ...(data.open.length
      ? data.open.slice(0, 10).map((ticket) => ticketLine(ticket, now))
      : [note('None. `/ticket next` takes the oldest waiting ticket.')]),
  );
  if (data.openCount > data.open.length)
    blocks.push(note(`…and ${data.openCount - data.open.length} more: \`/ticket mine\` lists them all.`));
  blocks.push({ type: 'section', text: mrkdwn(`*Waiting on the requester* (${data.pendingCount} pending)`) });
  blocks.push(
    ...(data.pending.length ? data.pending.slice(0, 10).map((ticket) => ticketLine(ticket, now)) : [note('None.')]),
  );
  if (data.pendingCount > data.pending.length)
    blocks.push(note(`…and ${data.pendingCount - data.pending.length} more.`));

  const viewLines = data.views
    .slice(0, 20)
    .map(
      (view) =>
        `• *${escapeMrkdwn(view.name)}* — ${view.waiting} unassigned${view.oldestSince ? `, oldest waiting ${waited(view.oldestSince, now)}` : ''}`,
    );
  blocks.push(
    { type: 'divider' },
    { type: 'section', text: mrkdwn(`*Your views*\n${viewLines.join('\n') || 'You are in no group.'}`) },
  );
  blocks.push({ type: 'section', text: mrkdwn('*Your last 7 days*') }, statsFields(data.week));

  if (data.role === 'lead') {
    blocks.push({ type: 'divider' }, { type: 'header', text: plain('Your team', 150) });
    const teamLines = (data.team ?? []).map(
      (member) =>
        `${AVAILABILITY_DOT[member.availability]} *${escapeMrkdwn(member.agent.name)}* (<@${member.agent.user}>) — ${member.openTickets} open`,
    );
    blocks.push({ type: 'section', text: mrkdwn(teamLines.join('\n') || 'No agents in your groups.') });
    if (data.transfers && data.transfers.length > 0) {
      const lines = data.transfers
        .slice(0, 10)
        .map(
          (transfer) =>
            `• <@${transfer.from}> asks ${escapeMrkdwn(clip(transfer.askedOf, 80))} to take chat #${transfer.ticketNumber}`,
        );
      blocks.push({
        type: 'section',
        text: mrkdwn(`*Transfer requests waiting for you* (${data.transfers.length})\n${lines.join('\n')}`),
      });
    }
    if (data.groupWeek)
      blocks.push({ type: 'section', text: mrkdwn('*Your groups, last 7 days*') }, statsFields(data.groupWeek));
  }
  return blocks;
}

/** A ticket opened from the home: a home tab has no response_url, so the card shows in a modal. */
export function ticketModal(number: number, card: KnownBlock[]): ModalView {
  return {
    type: 'modal',
    title: plain(`Ticket #${number}`, 24),
    close: plain('Close', 24),
    blocks: card.slice(0, HOME_BLOCKS_MAX),
  };
}

function ticketLine(ticket: HomeTicket, now: Date): KnownBlock {
  return {
    type: 'section',
    text: mrkdwn(
      `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 120))}\n${STATUS_BADGE[ticket.status]} · ${PRIORITY_BADGE[ticket.priority]} · ${requesterText(ticket)} · opened ${waited(ticket.createdAt, now)} ago`,
    ),
    accessory: { type: 'button', action_id: actionIds.homeOpen, text: plain('Open'), value: String(ticket.number) },
  };
}

function liveChatBlocks(chats: readonly MyLiveChat[], now: Date): KnownBlock[] {
  const turn = chats.filter((chat) => chat.agentsTurn).length;
  const lines = chats.map((chat) => {
    const who = chat.requester ? `<@${chat.requester}>` : 'the requester';
    const since = `their last message ${waited(chat.requesterWroteAt, now)} ago`;
    const state = chat.agentsTurn ? ':red_circle: *your turn*' : ':hourglass_flowing_sand: waiting on them';
    return `• *#${chat.ticketNumber}* ${who} — ${escapeMrkdwn(clip(chat.subject, 60))}\n    ${state} · ${since}`;
  });
  return [
    {
      type: 'section',
      block_id: 'home_live_chats',
      text: mrkdwn(`*Your live chats* (${chats.length}${turn ? `, ${turn} waiting on you` : ''})\n${lines.join('\n')}`),
    },
  ];
}

function note(text: string): KnownBlock {
  return { type: 'context', elements: [mrkdwn(text)] };
}
