import { incomingChat } from '../../../blocks/chat.js';
import { followHeader } from '../../../blocks/chat-desk.js';
import {
  agentJoined,
  agentLine,
  chatAcceptedLine,
  chatEndedForRequester,
  chatEndedLine,
  chatOpenedReceipt,
  emailedLine,
  fileLine,
  followerRecap,
  incomingChatText,
  internalNoteLine,
  requesterLine,
  transferMovedNotice,
} from '../../../blocks/notices.js';
import { clip, escapeMrkdwn } from '../../../blocks/text.js';
import { onlineAgentsOf } from '../../chats/availability.js';
import { chatActivity, chatShown } from '../../chats/chat.js';
import { followersOf, mirrorOpened } from '../../chats/followers.js';
import { fileVerdict, originalOfComment, type SharedFile } from '../../chats/relay.js';
import type { Chat } from '../../chats/types.js';
import type { SignalOf, Subscriber, TicketNotice, TicketNoticeOf } from '../../events/types.js';
import type { AfterPost } from '../../tickets/deliveries.js';
import { deliveryIdOf } from '../../tickets/deliveries.js';
import type { Ticket } from '../../tickets/types.js';
import { decodeEntities } from '../decode-slack-text.js';
import { refusalText } from '../words.js';
import type { NotifierContext } from './context.js';
import { askForSurvey } from './surveys.js';

/**
 * A chat's two sides and its onlookers: the Incoming chat message in the group's queue channel (kept
 * showing who has it and whether it is active), the relay between the requester's DM and the agent's
 * thread (each copy remembered, so edits and deletions follow), lines in the thread for what happened,
 * and each follower's copy in their DM.
 */
export function chatNotifier(context: NotifierContext): Subscriber {
  const { desk, send, outbox } = context;
  const agentName = (userId: string) => desk.directory.agent(userId)?.name ?? 'Support';

  async function chatOf(ticketNumber: number): Promise<Chat | null> {
    return desk.store.chats.get(ticketNumber);
  }

  /** Re-renders the chat's parent message from the database: who has it, and whether it is active now. */
  async function showChat(chat: Chat, ticket?: Ticket): Promise<void> {
    if (!chat.thread.ts) return;
    const shown = ticket ?? (await desk.store.tickets.get(chat.ticketNumber));
    if (!shown) return;
    const online = chat.state === 'waiting' ? await onlineAgentsOf(desk, chat.groupId) : [];
    const activity = chatActivity(chat, desk.clock());
    await send.update(
      'chat message update',
      chat.thread,
      `Chat #${chat.ticketNumber} with <@${chat.requester}>${chat.agent ? ` · <@${chat.agent}>` : ''}`,
      incomingChat({
        chat,
        ticket: shown,
        groupName: desk.directory.groupName(chat.groupId),
        firstMessage: shown.description,
        online,
        activity,
      }),
    );
    await chatShown(desk, chat, activity === 'active');
  }

  /** After a message: the parent is re-rendered only when it showed the chat inactive, not on every message. */
  async function showActiveAgain(chat: Chat): Promise<void> {
    if (chat.state === 'live' && !chat.shownActive) await showChat(chat);
  }

  /** A line in the chat's thread; if the Incoming chat is still being retried, the line waits for it. */
  async function inThread(chat: Chat, id: string, line: string, after?: AfterPost): Promise<void> {
    await outbox.post({
      id,
      ticketNumber: chat.ticketNumber,
      purpose: 'chat thread line',
      place: { kind: 'chat-thread', ticketNumber: chat.ticketNumber },
      text: line,
      ...(after ? { after } : {}),
    });
  }

  /** To the requester, in their DM with the bot: the chat's side of them. */
  async function toRequester(
    chat: Chat,
    id: string,
    purpose: string,
    line: string,
    after?: AfterPost,
    as?: string,
  ): Promise<void> {
    await outbox.post({
      id,
      ticketNumber: chat.ticketNumber,
      purpose,
      place: { kind: 'channel', channel: chat.requesterDm },
      text: line,
      ...(after ? { after } : {}),
      ...(as ? { as } : {}),
    });
  }

  async function mirrorToFollowers(chat: Chat, line: string): Promise<void> {
    for (const follower of await followersOf(desk, chat.ticketNumber)) {
      if (follower.mirror)
        await send.post('follower mirror', { channel: follower.mirror.channel, text: line, thread: follower.mirror });
    }
  }

  async function started({ ticket, event }: TicketNoticeOf<'chat_started'>): Promise<void> {
    const chat = await chatOf(ticket.number);
    const group = chat ? desk.directory.group(chat.groupId) : undefined;
    if (!chat || !group) return;
    if (!chat.thread.ts) {
      const online = await onlineAgentsOf(desk, chat.groupId);
      await outbox.post({
        id: `${event.id}:incoming`,
        ticketNumber: ticket.number,
        purpose: 'incoming chat',
        place: { kind: 'channel', channel: group.queueChannel ?? group.alertChannel },
        text: incomingChatText(ticket.number, chat.requester, online),
        blocks: incomingChat({
          chat,
          ticket,
          groupName: group.name,
          firstMessage: ticket.description,
          online,
          activity: 'waiting',
        }),
        after: { kind: 'chat-placed', ticketNumber: ticket.number },
      });
    }
    await toRequester(chat, `${event.id}:receipt`, 'chat receipt', chatOpenedReceipt(ticket.number, group.name).text);
  }

  async function requesterWrote({ ticket, event }: TicketNoticeOf<'requester_replied' | 'reopened'>): Promise<void> {
    const commentId = event.to.commentId;
    const original = originalOfComment(commentId);
    const chat = await chatOf(ticket.number);
    if (!chat || !original || !commentId) return;
    const comment = await desk.store.tickets.comment(commentId);
    if (!comment) return;
    const line = requesterLine(comment.text);
    await inThread(chat, `${event.id}:relay`, line, {
      kind: 'relayed',
      ticketNumber: chat.ticketNumber,
      original,
      side: 'requester',
    });
    await mirrorToFollowers(chat, line);
    await showActiveAgain(chat);
  }

  async function agentReplied({ ticket, event }: TicketNoticeOf<'replied'>): Promise<void> {
    const { to } = event;
    const { commentId } = to;
    const chat = await chatOf(ticket.number);
    if (!chat) return;
    const comment = await desk.store.tickets.comment(commentId);
    if (!comment) return;
    if (to.via === 'email') {
      const delivery = await desk.store.deliveries.get(deliveryIdOf(commentId));
      const email =
        delivery?.to?.kind === 'email'
          ? delivery.to.email
          : ticket.requester.kind === 'email'
            ? ticket.requester.email
            : 'email';
      const line = clip(emailedLine(agentName(comment.author.id), email, comment.text), 39_000);
      await inThread(chat, `${event.id}:emailed`, line);
      await mirrorToFollowers(chat, line);
      return;
    }
    if (to.during === 'chat' && to.via === undefined) {
      // Written in the reply form (End and solve's closing line): it reaches the requester as a reply; the thread shows it too.
      const line = clip(
        `:speech_balloon: <@${comment.author.id}> replied from the form: ${escapeMrkdwn(comment.text)}`,
        39_000,
      );
      await inThread(chat, `${event.id}:form-reply`, line);
      await mirrorToFollowers(chat, line);
      return;
    }
    if (to.via !== 'chat') return;
    const original = originalOfComment(commentId);
    const line = agentLine(agentName(comment.author.id), comment.text);
    // Under the agent's own name and picture: the requester sees a person answered (bot notices stay deskbolt's).
    await toRequester(
      chat,
      `${event.id}:relay`,
      'chat message to the requester',
      line,
      original ? { kind: 'relayed', ticketNumber: chat.ticketNumber, original, side: 'agent' } : undefined,
      comment.author.id,
    );
    await mirrorToFollowers(chat, line);
    await showActiveAgain(chat);
  }

  async function noted({ ticket, event }: TicketNoticeOf<'noted'>): Promise<void> {
    const { to } = event;
    // A note written in the thread is there already; one from the shortcut or a follower's copy is brought in.
    if (to.kind !== 'chat-note' || (to.reason !== 'shortcut' && to.reason !== 'follower')) return;
    const chat = await chatOf(ticket.number);
    const comment = await desk.store.tickets.comment(to.commentId);
    if (!chat || !comment) return;
    await inThread(chat, `${event.id}:note`, internalNoteLine(event.actor.id, comment.text, to.reason === 'follower'));
  }

  async function accepted({ ticket, event }: TicketNotice): Promise<void> {
    const chat = await chatOf(ticket.number);
    if (!chat) return;
    await showChat(chat, ticket);
    await inThread(
      chat,
      `${event.id}:line`,
      chatAcceptedLine(event.actor.id, desk.directory.workspace.chat.notePrefix),
    );
    await toRequester(
      chat,
      `${event.id}:joined`,
      'agent joined notice',
      agentJoined(agentName(event.actor.id), desk.directory.groupName(chat.groupId), ticket.number).text,
    );
  }

  async function requeued({ ticket, event }: TicketNoticeOf<'chat_requeued'>): Promise<void> {
    const chat = await chatOf(ticket.number);
    if (!chat) return;
    // The Incoming chat shows it waiting again, with Accept and the group's online agents.
    await showChat(chat, ticket);
    const group = escapeMrkdwn(desk.directory.groupName(chat.groupId));
    const online = await onlineAgentsOf(desk, chat.groupId);
    const ping = online.length > 0 ? ` ${online.map((agent) => `<@${agent}>`).join(' ')}` : '';
    await inThread(
      chat,
      `${event.id}:line`,
      event.actor.kind === 'system'
        ? `:leftwards_arrow_with_hook: Nobody accepted <@${event.from.assignee}>'s transfer: deskbolt put the chat back in ${group}'s queue, the first to accept it gets it.${ping}`
        : `:leftwards_arrow_with_hook: <@${event.from.assignee}> put the chat back in ${group}'s queue: the first to accept it gets it.${ping}`,
    );
    await toRequester(
      chat,
      `${event.id}:waiting`,
      'back in the queue notice',
      `You are waiting for the next available agent of ${group}; stay here and they will answer in this conversation.`,
    );
    await mirrorToFollowers(
      chat,
      `:leftwards_arrow_with_hook: <@${event.from.assignee}> put the chat back in the queue.`,
    );
  }

  async function ended({ ticket, event }: TicketNoticeOf<'chat_ended'>): Promise<void> {
    const chat = await chatOf(ticket.number);
    if (!chat) return;
    await showChat(chat, ticket);
    const solved = event.to?.because === 'solved';
    await inThread(
      chat,
      `${event.id}:line`,
      solved
        ? `<@${event.actor.id}> solved #${ticket.number}, so the chat ended.`
        : chatEndedLine(event.actor.id, ticket.number),
    );
    // The requester hears where their request stands now: solved, even when End chat beat the solve's own end by a moment.
    await toRequester(
      chat,
      `${event.id}:ended`,
      'chat ended notice',
      chatEndedForRequester(ticket.number, solved || ticket.status === 'solved').text,
    );
    // A solve that left its survey to the chat's end is asked about now, after the word that the chat is over; so is
    // a solved ticket whose chat an agent ended at the same moment (the solve's own end found it ended, and asks nothing).
    if (ticket.status === 'solved' && (event.to?.surveyFollows === true || !solved))
      await askForSurvey(context, ticket);
    await mirrorToFollowers(chat, `:checkered_flag: <@${event.actor.id}> ended the chat.`);
  }

  async function transferAccepted({ ticket, event }: TicketNoticeOf<'transfer_accepted'>): Promise<void> {
    const chat = await chatOf(ticket.number);
    const to = event.to.assignee;
    const from = event.from.assignee;
    const previousThread = event.from.thread;
    if (!chat) return;
    // A thread not yet placed when the transfer was asked has no ts: nothing to say it moved.
    if (
      previousThread.channel &&
      previousThread.ts &&
      (previousThread.ts !== chat.thread.ts || previousThread.channel !== chat.thread.channel)
    ) {
      const moved = transferMovedNotice(ticket.number, desk.directory.groupName(chat.groupId), to);
      await outbox.update({
        id: `${event.id}:moved`,
        ticketNumber: ticket.number,
        purpose: 'moved chat message',
        ref: previousThread,
        text: moved.text,
        ...(moved.blocks ? { blocks: moved.blocks } : {}),
      });
      await outbox.post({
        id: `${event.id}:moved-line`,
        ticketNumber: ticket.number,
        purpose: 'chat thread line',
        place: { kind: 'channel', channel: previousThread.channel, thread: previousThread },
        text: `<@${to}> accepted the transfer: the chat continues in ${escapeMrkdwn(desk.directory.groupName(chat.groupId))}'s queue channel.`,
      });
    }
    await showChat(chat, ticket);
    await inThread(chat, `${event.id}:line`, `<@${to}> accepted the transfer from <@${from}>; the chat is theirs now.`);
    if (from)
      await outbox.post({
        id: `${event.id}:from`,
        ticketNumber: ticket.number,
        purpose: 'transfer accepted notice',
        place: { kind: 'dm', userId: from },
        text: `<@${to}> accepted chat #${ticket.number}; it is theirs now.`,
      });
    const link = chat.thread.ts ? await send.permalink(chat.thread) : null;
    await outbox.post({
      id: `${event.id}:to`,
      ticketNumber: ticket.number,
      purpose: 'transfer accepted notice',
      place: { kind: 'dm', userId: to },
      text: `Chat #${ticket.number} is yours now${link ? `: ${link}` : ''}. Reply in its thread to talk to the requester.`,
    });
    await toRequester(
      chat,
      `${event.id}:requester`,
      'agent took over notice',
      `${escapeMrkdwn(agentName(to))} has taken over your chat #${ticket.number}.`,
    );
    await mirrorToFollowers(
      chat,
      `:arrows_counterclockwise: <@${to}> accepted the transfer from <@${from}>; the chat is theirs now.`,
    );
  }

  async function followed({ ticket, event }: TicketNotice): Promise<void> {
    const chat = await chatOf(ticket.number);
    const user = event.actor.id;
    if (!chat) return;
    const header = await send.dm(
      'follower copy',
      user,
      `Following chat #${ticket.number}`,
      followHeader({
        ticketNumber: ticket.number,
        requester: chat.requester,
        agent: chat.agent,
        groupName: desk.directory.groupName(chat.groupId),
        subject: ticket.subject,
      }),
    );
    if (!header) return;
    await mirrorOpened(desk, ticket.number, user, header);
    // What was said before they came, so the copy starts with the context.
    const earlier = await desk.store.tickets.comments(ticket.number, { last: 5, kinds: ['public'] });
    const lines = [
      requesterLine(clip(ticket.description, 1500)),
      ...earlier.map((comment) =>
        comment.author.kind === 'agent'
          ? agentLine(agentName(comment.author.id), comment.text)
          : requesterLine(comment.text),
      ),
    ].map((line) => clip(line, 2000));
    await send.post('follower recap', { channel: header.channel, text: followerRecap(lines), thread: header });
  }

  async function unfollowed({ ticket, event }: TicketNoticeOf<'chat_unfollowed'>): Promise<void> {
    const mirror = event.to?.mirror;
    if (!mirror?.channel || !mirror.ts) return;
    const chat = await chatOf(ticket.number);
    await send.update(
      'unfollowed header',
      { channel: mirror.channel, ts: mirror.ts },
      `You stopped following chat #${ticket.number}`,
      followHeader({
        ticketNumber: ticket.number,
        requester: chat?.requester ?? '',
        agent: chat?.agent ?? null,
        groupName: desk.directory.groupName(chat?.groupId ?? ticket.groupId),
        subject: ticket.subject,
        ended: 'You stopped following this chat.',
      }),
    );
  }

  async function fileShared(signal: SignalOf<'chat_file_shared'>): Promise<void> {
    const { side, sender } = signal;
    // As it is now: a chat's first message may have been a file, shared before its thread was placed.
    const chat = (await chatOf(signal.chat.ticketNumber)) ?? signal.chat;
    let file: (SharedFile & { permalink?: string; url_private?: string }) | null = null;
    try {
      const info = await send.client.files.info({ file: signal.fileId });
      // A file's name is Slack text like any other (`&`, `<`, `>` as entities): read once, here, where it enters.
      if (info.file)
        file = {
          ...(info.file as unknown as SharedFile & { permalink?: string; url_private?: string }),
          name: decodeEntities(info.file.name ?? ''),
        };
    } catch (error) {
      context.log(`slack: files.info failed: ${(error as Error).message}`, error);
    }
    if (!file) return;
    const verdict = fileVerdict(file);
    if (!verdict.ok) {
      const why = refusalText(desk, verdict);
      if (side === 'requester') await send.dm('file refusal', chat.requesterDm, why);
      else await send.ephemeral('file refusal', { ...chat.thread, thread: true }, sender, why);
      return;
    }
    const line = fileLine(file.name, file.permalink ?? file.url_private ?? '');
    const shown = side === 'requester' ? requesterLine('') + line : `${agentLine(agentName(sender), '')}${line}`;
    const id = `file:${chat.ticketNumber}:${signal.fileId}`;
    if (side === 'requester') await inThread(chat, id, shown);
    else await toRequester(chat, id, 'file to the requester', shown);
    await mirrorToFollowers(chat, shown);
    await desk.store.chats.touch(chat.ticketNumber, desk.clock(), side);
  }

  async function relayEdited(signal: SignalOf<'relay_edited'>): Promise<void> {
    const { relay } = signal;
    if (signal.withdraw) {
      await send.delete('withdrawn relay', relay.copy);
      return;
    }
    const line =
      relay.side === 'requester' ? requesterLine(signal.text) : agentLine(agentName(signal.editor), signal.text);
    await send.update('relayed edit', relay.copy, `${line} _(edited)_`);
  }

  /** Only a chat ticket's events concern the chat's two sides. */
  function ofChats<N extends TicketNotice>(handler: (notice: N) => Promise<void>): (notice: N) => Promise<void> {
    return async (notice) => {
      if (notice.ticket.channel === 'chat') await handler(notice);
    };
  }

  return {
    name: 'chats',
    events: {
      chat_started: ofChats(started),
      requester_replied: ofChats(requesterWrote),
      reopened: ofChats(requesterWrote),
      replied: ofChats(agentReplied),
      noted: ofChats(noted),
      chat_accepted: ofChats(accepted),
      chat_requeued: ofChats(requeued),
      chat_ended: ofChats(ended),
      transfer_accepted: ofChats(transferAccepted),
      chat_followed: ofChats(followed),
      chat_unfollowed: ofChats(unfollowed),
    },
    signals: {
      chat_went_quiet: async (signal) => showChat((await chatOf(signal.chat.ticketNumber)) ?? signal.chat),
      chat_file_shared: fileShared,
      relay_edited: relayEdited,
      relay_deleted: (signal) => send.delete('relayed deletion', signal.relay.copy),
    },
  };
}
