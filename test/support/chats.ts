import { expect } from 'vitest';
import { actionIds } from '../../blocks/ids.js';
import type { Chat } from '../../src/chats/types.js';
import type { TestDesk } from './harness.js';

/** Chat stories: the steps people take, as signed requests, each waiting for the app's work to finish. */
export function chatSteps(desk: TestDesk) {
  const steps = {
    async status(agent: string, availability: 'online' | 'away' | 'offline') {
      await desk.slack.command(agent, '/ticket', `status ${availability}`);
      await desk.settled();
    },
    /** A requester writes to the bot; asked whether it is about one of their open requests, they say it is new. */
    async startByDm(requester: string, text: string): Promise<Chat> {
      await desk.slack.message(requester, text);
      await desk.settled();
      // Asked which open request it is about: something new; asked what it is about (topics): the first topic.
      if (!(await desk.store.chats.openOf(requester))) await steps.answerQuestion(requester, 'Something new', true);
      if (!(await desk.store.chats.openOf(requester))) await steps.answerQuestion(requester, undefined);
      const chat = await desk.store.chats.openOf(requester);
      expect(chat).not.toBeNull();
      return chat!;
    },
    /** Clicks the button labelled `label` (or the first one) on the bot's last question in the requester's DM. */
    async answerQuestion(requester: string, label: string | undefined, ifAsked = false) {
      const dm = desk.fake.dmChannelOf(requester);
      const question = steps
        .botMessages(dm)
        .filter((message) => !message.threadTs)
        .at(-1);
      const buttons = (question?.blocks ?? [])
        .flatMap((block: any) => block.elements ?? [])
        .filter((element: any) => element.type === 'button');
      const button = label === undefined ? buttons[0] : buttons.find((element: any) => element.text?.text === label);
      if (!button && ifAsked) return;
      expect(button, `a “${label ?? 'first'}” button on the bot's last message to ${requester}`).toBeDefined();
      await desk.slack.blockAction(
        requester,
        { action_id: button.action_id, value: button.value },
        { channel: dm, message: { ts: question!.ts } },
      );
      await desk.settled();
    },
    async accept(agent: string, chat: Chat) {
      const response = await desk.slack.blockAction(
        agent,
        { action_id: actionIds.acceptChat, value: String(chat.ticketNumber) },
        { channel: chat.thread.channel, message: { ts: chat.thread.ts } },
      );
      await desk.settled();
      return response;
    },
    async liveChat(requester: string, agent: string, text = 'Hi, my card was charged twice'): Promise<Chat> {
      await steps.status(agent, 'online');
      const chat = await steps.startByDm(requester, text);
      await steps.accept(agent, chat);
      return (await desk.store.chats.get(chat.ticketNumber))!;
    },
    async replyInThread(agent: string, chat: Chat, text: string) {
      const sent = await desk.slack.message(agent, text, { channel: chat.thread.channel, threadTs: chat.thread.ts });
      await desk.settled();
      return sent;
    },
    botMessages(channel: string) {
      return desk.fake.messages(channel).filter((message) => message.user === desk.fake.botUserId && !message.deleted);
    },
    threadMessages(chat: Chat) {
      return steps.botMessages(chat.thread.channel).filter((message) => message.threadTs === chat.thread.ts);
    },
    lastResponse(): string {
      return desk.fake.responses().at(-1)?.body.text as string;
    },
    async actions(ticketNumber: number) {
      return (await desk.store.tickets.history(ticketNumber)).map((event) => event.action);
    },
  };
  return steps;
}
