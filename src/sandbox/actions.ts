import { type BlockActionInput, type SimResponse, type SlackClientSim, viewStateFrom } from '../fake-slack/requests.js';
import type { FakeSlack } from '../fake-slack/server.js';
import { readTyped, slackMessageText } from '../fake-slack/typed-text.js';
import type { AppSurfaces } from './manifest.js';
import { canSee, type SandboxRoster } from './roster.js';
import type { ElementUse, Outcome } from './wire.js';

export type { ElementUse, Outcome };

/** Where an element is: a message (ephemeral ones included) in a conversation, or a view (a modal or a Home). */
export type Surface = { channel: string; ts: string } | { viewId: string };

/** Answers of a form, by action_id, as viewStateFrom takes them. */
export type FormValues = Record<string, unknown>;

export interface PersonActionsOptions {
  fake: FakeSlack;
  slack: SlackClientSim;
  roster: SandboxRoster;
  surfaces: AppSurfaces;
  /** Resolves when the app has finished the work the requests so far started. */
  settled: () => Promise<void>;
}

type Json = Record<string, any>;

const refused = (problem: string): Outcome => ({ ok: false, problem });
const done: Outcome = { ok: true };

// What Slack's client shows when the app's answer to a submission is not one it can use.
const TROUBLE_CONNECTING = 'We had some trouble connecting. Try again?';

function elementsOf(block: Json): Json[] {
  if (block.type === 'actions' && Array.isArray(block.elements)) return block.elements;
  if (block.type === 'section' && block.accessory) return [block.accessory];
  if (block.type === 'input' && block.element) return [block.element];
  return [];
}

function locate(blocks: unknown, use: ElementUse): { element: Json; blockId: string | undefined } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as Json[]) {
    if (use.blockId !== undefined && block.block_id !== use.blockId) continue;
    for (const element of elementsOf(block)) {
      if (element.action_id !== use.actionId) continue;
      if (
        element.type === 'button' &&
        typeof use.value === 'string' &&
        element.value !== undefined &&
        element.value !== use.value
      )
        continue;
      return { element, blockId: block.block_id };
    }
  }
  return undefined;
}

function optionsOf(element: Json): Json[] {
  if (Array.isArray(element.options)) return element.options;
  if (Array.isArray(element.option_groups)) return element.option_groups.flatMap((group: Json) => group.options ?? []);
  return [];
}

/** The fields Slack puts in a block_actions action for this element, from what the person chose. */
function performed(element: Json, blockId: string | undefined, value: ElementUse['value']): BlockActionInput {
  const action: BlockActionInput = {
    action_id: element.action_id,
    type: element.type,
    ...(blockId === undefined ? {} : { block_id: blockId }),
  };
  const one = Array.isArray(value) ? value[0] : value;
  const many = Array.isArray(value) ? value : value == null ? [] : [value];
  const option = (wanted: unknown) => optionsOf(element).find((candidate) => candidate.value === wanted);
  switch (element.type) {
    case 'button':
      return { ...action, ...(element.value === undefined ? {} : { value: element.value }) };
    case 'static_select':
    case 'overflow':
    case 'radio_buttons':
      return { ...action, selected_option: option(one) ?? null };
    case 'multi_static_select':
    case 'checkboxes':
      return { ...action, selected_options: many.map(option).filter(Boolean) };
    case 'users_select':
      return { ...action, selected_user: one ?? null };
    case 'multi_users_select':
      return { ...action, selected_users: many };
    case 'conversations_select':
      return { ...action, selected_conversation: one ?? null };
    case 'channels_select':
      return { ...action, selected_channel: one ?? null };
    case 'datepicker':
      return { ...action, selected_date: one ?? null };
    case 'timepicker':
      return { ...action, selected_time: one ?? null };
    default:
      return { ...action, ...(one == null ? {} : { value: one }) };
  }
}

/**
 * What a person does in Slack's client, played to the real app as the signed requests Slack would
 * send (through SlackClientSim), with Slack's client's side of it applied to the fake: a command's
 * acknowledgement shown to them, a submitted modal closed, updated or kept with its field errors.
 * The sandbox page and the scripted morning both act through here.
 */

/** What Slack's client says a shared file is, by its extension (deskbolt sniffs stored files itself). */
const SHARED_TYPES: Record<string, [string, string]> = {
  png: ['image/png', 'png'],
  jpg: ['image/jpeg', 'jpg'],
  jpeg: ['image/jpeg', 'jpg'],
  gif: ['image/gif', 'gif'],
  pdf: ['application/pdf', 'pdf'],
  txt: ['text/plain', 'text'],
};

export class PersonActions {
  constructor(private readonly options: PersonActionsOptions) {}

  /** A slash command typed in `channel`: `/ticket new Printer on fire`. */
  async command(user: string, channel: string, line: string): Promise<Outcome> {
    if (!this.mayUse(user, channel)) return refused('You are not in that conversation.');
    const match = /^(\/\S+)\s*([\s\S]*)$/.exec(line.trim());
    const command = match?.[1];
    if (command === undefined) return refused('A command starts with /, for example /ticket help.');
    if (!this.options.surfaces.commands.some((known) => known.command === command)) {
      return refused(
        `${command} is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`,
      );
    }
    const response = await this.options.slack.command(user, command, match?.[2] ?? '', { channel });
    if (response.status !== 200) return refused(`${command} failed with the error "dispatch_failed"`);
    this.options.fake.commandAckMessage(user, channel, response.json);
    await this.options.settled();
    return done;
  }

  /** A message typed in a conversation, or in a thread of it: the message event Slack would send the app. */
  /** A person shares a file, maybe with words: Slack sends file_shared and a file_share message. */
  async shareFile(
    user: string,
    channel: string,
    file: { name: string; bytes: Buffer; text: string },
    threadTs?: string,
  ): Promise<Outcome & { ts?: string }> {
    if (!this.mayUse(user, channel)) return refused('You are not in that conversation.');
    if (!this.appHears(channel)) return refused('deskbolt is not in this conversation, so nobody would see the file.');
    const extension = file.name.split('.').at(-1)?.toLowerCase() ?? '';
    const [mimetype, filetype] = SHARED_TYPES[extension] ?? ['application/octet-stream', 'binary'];
    const id = `F${Date.now().toString(36).toUpperCase()}${Math.floor(Math.random() * 1e6)
      .toString(36)
      .toUpperCase()}`;
    const sent = await this.options.slack.shareFile(
      user,
      { id, name: file.name, mimetype, filetype, size: file.bytes.length, content: file.bytes },
      { channel, typed: file.text, ...(threadTs === undefined ? {} : { threadTs }) },
    );
    await this.options.settled();
    return sent.status === 200
      ? { ok: true, ts: sent.ts }
      : refused(`The file was not delivered (HTTP ${sent.status}).`);
  }

  async say(user: string, channel: string, text: string, threadTs?: string): Promise<Outcome & { ts?: string }> {
    if (!this.mayUse(user, channel)) return refused('You are not in that conversation.');
    if (text.trim() === '') return refused('Write something first.');
    const thread = threadTs === undefined ? {} : { threadTs };
    if (!this.appHears(channel)) {
      // Slack sends no event from a channel the app is not a member of; the message is there all the same.
      return {
        ok: true,
        ts: this.options.fake.addMessage({
          channel,
          user,
          text: slackMessageText(readTyped(text, this.options.fake)),
          ...thread,
        }).ts,
      };
    }
    const sent = await this.options.slack.message(user, text, { channel, ...thread });
    await this.options.settled();
    return sent.status === 200
      ? { ok: true, ts: sent.ts }
      : refused(`The message was not delivered (HTTP ${sent.status}).`);
  }

  /** A button pressed, or an option, user or date picked, on a message or in a view. */
  async use(user: string, surface: Surface, use: ElementUse, values: FormValues = {}): Promise<Outcome> {
    const { fake, slack } = this.options;
    let response: SimResponse;
    if ('viewId' in surface) {
      const view = this.viewOf(user, surface.viewId);
      if (view === undefined) return refused('That view is no longer open.');
      const found = locate(view.blocks, use);
      if (found === undefined) return refused('That element is no longer there.');
      let state: ReturnType<typeof viewStateFrom>;
      try {
        state = viewStateFrom(view, values);
      } catch (error) {
        return refused((error as Error).message);
      }
      response = await slack.blockAction(user, performed(found.element, found.blockId, use.value), {
        view: { id: view.id, state },
      });
    } else {
      if (!this.mayUse(user, surface.channel)) return refused('You are not in that conversation.');
      const message =
        fake.messages(surface.channel).find((candidate) => candidate.ts === surface.ts && !candidate.deleted) ??
        fake.ephemerals(user, surface.channel).find((candidate) => candidate.ts === surface.ts);
      const found = message === undefined ? undefined : locate(message.blocks, use);
      if (found === undefined) return refused('That message or element is no longer there.');
      response = await slack.blockAction(user, performed(found.element, found.blockId, use.value), {
        channel: surface.channel,
        message: { ts: surface.ts },
      });
    }
    await this.options.settled();
    return response.status === 200 ? done : refused(`The app did not answer (HTTP ${response.status}).`);
  }

  /** The person's top modal submitted with these answers; the app's answer is applied as Slack's client applies it. */
  async submit(user: string, viewId: string, values: FormValues): Promise<Outcome> {
    const top = this.options.fake.modals(user).at(-1);
    if (top === undefined || top.view.id !== viewId) return refused('That form is no longer open.');
    let state: ReturnType<typeof viewStateFrom>;
    try {
      state = viewStateFrom(top.view, values);
    } catch (error) {
      return refused((error as Error).message);
    }
    const response = await this.options.slack.viewSubmission(user, {
      id: viewId,
      callback_id: String(top.view.callback_id ?? ''),
      private_metadata: String(top.view.private_metadata ?? ''),
      state,
    });
    if (response.status !== 200 || response.problems !== undefined) {
      await this.options.settled();
      return refused(TROUBLE_CONNECTING);
    }
    this.options.fake.viewSubmitted(user, viewId, response.json);
    await this.options.settled();
    return done;
  }

  /** The person closes a modal (Cancel or ×): view_closed goes to the app for the views that asked. */
  async close(user: string, viewId: string): Promise<Outcome> {
    if (this.viewOf(user, viewId) === undefined) return refused('That form is no longer open.');
    for (const view of this.options.fake.closeModal(user, viewId)) {
      if (view.notify_on_close !== true) continue;
      await this.options.slack.viewClosed(user, {
        id: view.id,
        callback_id: String(view.callback_id ?? ''),
        private_metadata: String(view.private_metadata ?? ''),
        state: view.state ?? { values: {} },
      });
    }
    await this.options.settled();
    return done;
  }

  /** A message shortcut from a message's menu (Create ticket, Internal note). */
  async messageShortcut(user: string, callbackId: string, channel: string, ts: string): Promise<Outcome> {
    if (!this.hasShortcut('message', callbackId)) return refused('The app has no such message shortcut.');
    if (!this.mayUse(user, channel)) return refused('You are not in that conversation.');
    const message = this.options.fake.messages(channel).find((candidate) => candidate.ts === ts && !candidate.deleted);
    if (message === undefined) return refused('That message is gone.');
    // The message as Slack holds it (its text already encoded), not as if typed again.
    await this.options.slack.messageShortcutOn(user, callbackId, { channel, ts });
    await this.options.settled();
    return done;
  }

  /** A global shortcut from the shortcuts menu (New ticket). */
  async globalShortcut(user: string, callbackId: string): Promise<Outcome> {
    if (!this.hasShortcut('global', callbackId)) return refused('The app has no such shortcut.');
    await this.options.slack.globalShortcut(user, callbackId);
    await this.options.settled();
    return done;
  }

  /** The person opens the app's Home tab: Slack sends app_home_opened each time. */
  async openHome(user: string): Promise<Outcome> {
    await this.options.slack.event({ type: 'app_home_opened', user, tab: 'home' });
    await this.options.settled();
    return done;
  }

  /** Their DM with the app, or a channel of the workspace they are in. */
  mayUse(user: string, channel: string): boolean {
    if (channel === this.options.fake.dmChannelOf(user)) return true;
    const known = this.options.roster.channels.find((candidate) => candidate.id === channel);
    return known !== undefined && canSee(known, user);
  }

  private appHears(channel: string): boolean {
    if (channel.startsWith('D')) return true;
    return this.options.roster.channels.find((candidate) => candidate.id === channel)?.appIsMember === true;
  }

  private hasShortcut(type: 'message' | 'global', callbackId: string): boolean {
    return this.options.surfaces.shortcuts.some(
      (shortcut) => shortcut.type === type && shortcut.callbackId === callbackId,
    );
  }

  /** A modal in the person's stack, or their Home: the only views their clicks can reach. */
  private viewOf(user: string, viewId: string): Json | undefined {
    const modal = this.options.fake.modals(user).find((candidate) => candidate.view.id === viewId);
    if (modal !== undefined) return modal.view;
    const home = this.options.fake.homeView(user);
    return home?.id === viewId ? home : undefined;
  }
}
