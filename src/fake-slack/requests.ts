import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { commandShouldEscape } from './manifest.js';
import {
  type FakeFile,
  type FakeSlack,
  SELECT_MENUS,
  type StoredMessage,
  validateBlocks,
  validateOptionsResponse,
  validateView,
} from './server.js';
import { readTyped, slackCommandText, slackMessageText, slackRichText } from './typed-text.js';

/** The app's HTTP answer; `problems` lists what Slack would refuse in a synchronous answer (ack body). */
/** Slack's wait for an HTTP event's answer, and how many times it sends the event again. */
const HTTP_ACK_WINDOW_MS = 3_000;
const HTTP_EVENT_RETRIES = 3;

export interface SimResponse {
  status: number;
  body: string;
  json?: any;
  problems?: string[];
  /** Socket Mode: no ack came, and Slack showed the person this instead (dispatch_failed, operation_timeout). */
  error?: string;
  /** HTTP events: how many times Slack sent the event again (a 5xx, or no answer within the ack window). */
  retries?: number;
}

/** One request from Slack to the app, before it is put on the wire. */
export interface SlackDelivery {
  type: 'slash_commands' | 'interactive' | 'events_api';
  payload: Record<string, any>;
  /** Slack's retry of an event: X-Slack-Retry-Num over HTTP, retry_attempt in Socket Mode. */
  retryAttempt?: number;
  retryReason?: string;
}

/** How a request reaches the app: a signed HTTP POST (the default), or an envelope over Socket Mode. */
export interface SlackTransport {
  deliver(delivery: SlackDelivery): Promise<SimResponse>;
}

export interface SlackClientSimOptions {
  url: string;
  signingSecret: string;
  fake: FakeSlack;
  teamId?: string;
  /** Seconds since the epoch; drives X-Slack-Request-Timestamp, action_ts and event_time. */
  now?: () => number;
  /** Socket Mode instead of signed HTTP POSTs; the payloads are the same. */
  transport?: SlackTransport;
  /**
   * How long Slack waits for an HTTP event's answer before sending it again (3 s in Slack; a test on a
   * busy machine may give the app longer, and a test of retries 0).
   */
  httpAckWindowMs?: number;
}

export interface BlockActionInput {
  action_id: string;
  value?: string;
  block_id?: string;
  /** An option object, or just its value: it is looked up in the element. */
  selected_option?: any;
  type?: string;
  /** Other fields Slack sends for some elements: selected_user, selected_date, selected_options… */
  [field: string]: unknown;
}

export interface BlockActionOptions {
  channel?: string;
  message?: { ts: string; text?: string };
  /** The modal or home view the element is in, or its id; its current state is read from the fake when it has an id. */
  view?: any;
  triggerId?: string;
}

export interface ViewState {
  values: Record<string, Record<string, any>>;
}

export interface SubmittedView {
  callback_id: string;
  private_metadata?: string;
  id?: string;
  state: ViewState;
  [field: string]: unknown;
}

export interface ShortcutMessage {
  ts: string;
  /** What its author typed; it arrives as Slack sends message text (see typed-text.ts). */
  text: string;
  user: string;
  channel: string;
  /** Legacy attachments on the message (an unfurl, a bot's card): their text fields as typed. */
  attachments?: {
    title?: string;
    title_link?: string;
    text?: string;
    pretext?: string;
    fallback?: string;
    from_url?: string;
  }[];
  /** Files shared with the message; added to the fake so files.info knows them too. */
  files?: FakeFile[];
}

export interface MessageOptions {
  channel?: string;
  threadTs?: string;
  eventId?: string;
}

export interface EventOptions {
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
}

export const DEFAULT_CHANNEL = 'C0GENERAL';

// Slack still sends the legacy verification token; Bolt ignores it when it verifies signatures.
const VERIFICATION_TOKEN = 'legacy-verification-token';

const STATEFUL_ELEMENTS = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'rich_text_input',
  'file_input',
  ...SELECT_MENUS,
  'checkboxes',
  'radio_buttons',
  'datepicker',
  'timepicker',
  'datetimepicker',
]);

const channelType = (channel: string): string =>
  channel.startsWith('D') ? 'im' : channel.startsWith('G') ? 'group' : 'channel';

const isObject = (value: unknown): value is Record<string, any> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The interactive elements of one block, in the order Slack lists them. */
function elementsOf(block: any): any[] {
  if (!isObject(block)) return [];
  if (block.type === 'actions' && Array.isArray(block.elements)) return block.elements;
  if (block.type === 'section' && isObject(block.accessory)) return [block.accessory];
  if (block.type === 'input' && isObject(block.element)) return [block.element];
  return [];
}

function locateElement(
  blocks: unknown,
  actionId: string,
  blockId?: string,
): { blockId: string; element: any } | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks) {
    if (blockId !== undefined && block?.block_id !== blockId) continue;
    const element = elementsOf(block).find((e) => e.action_id === actionId);
    if (element !== undefined) return { blockId: String(block.block_id ?? ''), element };
  }
  return undefined;
}

function optionsOf(element: any): any[] {
  if (Array.isArray(element.options)) return element.options;
  if (Array.isArray(element.option_groups)) {
    return element.option_groups.flatMap((group: any) => (Array.isArray(group.options) ? group.options : []));
  }
  return [];
}

/**
 * An answer given as a value, or as the text a person sees and picks, becomes the element's own option
 * object, as Slack sends it back.
 */
function asOption(element: any, answer: any): any {
  if (answer === null || answer === undefined) return null;
  const value = isObject(answer) ? answer.value : String(answer);
  const options = optionsOf(element);
  const option =
    options.find((o) => o.value === value) ??
    (isObject(answer) ? undefined : options.find((o) => o.text?.text === value));
  if (option !== undefined) return structuredClone(option);
  if (element.type === 'external_select' || element.type === 'multi_external_select') {
    return isObject(answer) ? answer : { text: { type: 'plain_text', text: value, emoji: true }, value };
  }
  throw new Error(`"${value}" is not an option of the element "${element.action_id}"`);
}

function richText(text: string): Record<string, any> {
  return { type: 'rich_text', elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] };
}

const list = (answer: any): any[] => (Array.isArray(answer) ? answer : [answer]);

function elementState(element: any, answered: boolean, answer: any): Record<string, any> {
  const type: string = element.type;
  const pick = (initial: any, fallback: any, convert: (a: any) => any = (a) => a): any =>
    answered ? (answer === null ? fallback : convert(answer)) : (initial ?? fallback);
  switch (type) {
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input':
      return { type, value: pick(element.initial_value, null, String) };
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: pick(element.initial_option, null, (a) => asOption(element, a)) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return {
        type,
        selected_options: pick(element.initial_options, [], (a) => list(a).map((o) => asOption(element, o))),
      };
    case 'users_select':
      return { type, selected_user: pick(element.initial_user, null) };
    case 'multi_users_select':
      return { type, selected_users: pick(element.initial_users, [], list) };
    case 'conversations_select':
      return { type, selected_conversation: pick(element.initial_conversation, null) };
    case 'multi_conversations_select':
      return { type, selected_conversations: pick(element.initial_conversations, [], list) };
    case 'channels_select':
      return { type, selected_channel: pick(element.initial_channel, null) };
    case 'multi_channels_select':
      return { type, selected_channels: pick(element.initial_channels, [], list) };
    case 'datepicker':
      return { type, selected_date: pick(element.initial_date, null) };
    case 'timepicker':
      return { type, selected_time: pick(element.initial_time, null) };
    case 'datetimepicker':
      return { type, selected_date_time: pick(element.initial_date_time, null) };
    case 'rich_text_input':
      return {
        type,
        rich_text_value: pick(element.initial_value, null, (a) => (typeof a === 'string' ? richText(a) : a)),
      };
    case 'file_input':
      return { type, files: pick(undefined, [], list) };
    default:
      return { type, value: pick(undefined, null) };
  }
}

/**
 * The state.values Slack would send when a person fills in `view` (as the app opened it) with
 * `answers`, keyed by action_id. Every input block appears, unanswered ones with their initial
 * value or null; other stateful elements appear only when answered. An answer no element takes is
 * a mistake in the test, so it throws.
 */
export function viewStateFrom(view: any, answers: Record<string, any>): ViewState {
  const values: Record<string, Record<string, any>> = {};
  const unused = new Set(Object.keys(answers));
  const blocks: unknown[] = Array.isArray(view?.blocks) ? view.blocks : [];
  blocks.forEach((block: any, i) => {
    elementsOf(block).forEach((element, j) => {
      if (!STATEFUL_ELEMENTS.has(element.type)) return;
      // Slack names what the app left unnamed; any stable name will do, the app cannot know it either.
      const actionId: string = element.action_id ?? `action_${i}_${j}`;
      const answered = Object.hasOwn(answers, actionId);
      if (block.type !== 'input' && !answered) return;
      unused.delete(actionId);
      const blockId: string = block.block_id ?? `block_${i}`;
      values[blockId] ??= {};
      values[blockId][actionId] = elementState(element, answered, answers[actionId]);
    });
  });
  if (unused.size > 0) throw new Error(`the view has no input with action_id ${[...unused].join(', ')}`);
  return { values };
}

/** What Slack would refuse in the body of an acknowledgement. */
function problemsInAck(json: unknown, submitted?: any): string[] {
  if (!isObject(json)) return [];
  const action = json.response_action;
  if (action === 'update' || action === 'push') return validateView(json.view);
  if (action === 'errors' && Array.isArray(submitted?.blocks)) {
    const inputIds = new Set(submitted.blocks.filter((b: any) => b?.type === 'input').map((b: any) => b.block_id));
    if (!isObject(json.errors)) return ['[ERROR] must provide an object [json-pointer:/errors]'];
    return Object.keys(json.errors)
      .filter((blockId) => !inputIds.has(blockId))
      .map((blockId) => `[ERROR] no input block with block_id "${blockId}" [json-pointer:/errors/${blockId}]`);
  }
  if (json.blocks !== undefined) return validateBlocks(json.blocks, 'message');
  return [];
}

/** Plays the Slack side of a conversation with the app: signed HTTP requests, as Slack sends them. */
export class SlackClientSim {
  private readonly url: string;
  private readonly signingSecret: string;
  private readonly fake: FakeSlack;
  private readonly teamId: string;
  private readonly now: () => number;
  private readonly transport: SlackTransport | undefined;
  private readonly httpAckWindowMs: number;
  /** The last request sent over HTTP, exactly as it went on the wire (body and signed headers), to be sent again with raw(). */
  lastSent: { body: string; headers: Record<string, string> } | undefined;

  constructor(options: SlackClientSimOptions) {
    this.url = options.url;
    this.signingSecret = options.signingSecret;
    this.fake = options.fake;
    this.teamId = options.teamId ?? options.fake.teamId;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.transport = options.transport;
    this.httpAckWindowMs = options.httpAckWindowMs ?? HTTP_ACK_WINDOW_MS;
  }

  sign(body: string, timestampSeconds: number): Record<string, string> {
    const timestamp = String(Math.floor(timestampSeconds));
    const digest = createHmac('sha256', this.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex');
    return { 'X-Slack-Signature': `v0=${digest}`, 'X-Slack-Request-Timestamp': timestamp };
  }

  async raw(body: string, headers: Record<string, string>): Promise<SimResponse> {
    const response = await fetch(this.url, { method: 'POST', headers, body });
    const text = await response.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, body: text, ...(json === undefined ? {} : { json }) };
  }

  /**
   * A person runs a slash command, typing `typed` after it. Its text arrives as Slack sends it: `&`, `<`,
   * `>` as entities, and mentions, channels and links escaped or as typed per manifest.yml's
   * `should_escape` for the command (`shouldEscape` overrides it, to show both).
   */
  async command(
    user: string,
    command: string,
    typed: string,
    options: { channel?: string; triggerId?: string; shouldEscape?: boolean } = {},
  ): Promise<SimResponse> {
    const channel = options.channel ?? DEFAULT_CHANNEL;
    const text = slackCommandText(readTyped(typed, this.fake), options.shouldEscape ?? commandShouldEscape(command));
    const fields = {
      token: VERIFICATION_TOKEN,
      team_id: this.teamId,
      team_domain: 'fake',
      channel_id: channel,
      channel_name: channel.startsWith('D') ? 'directmessage' : channel.toLowerCase(),
      user_id: user,
      user_name: this.userName(user),
      command,
      text,
      api_app_id: this.fake.appId,
      is_enterprise_install: 'false',
      response_url: this.fake.responseUrl({ channel, user }),
      trigger_id: options.triggerId ?? this.fake.triggerId(undefined, user),
    };
    return this.withAckProblems(await this.deliver({ type: 'slash_commands', payload: fields }));
  }

  async blockAction(user: string, action: BlockActionInput, options: BlockActionOptions = {}): Promise<SimResponse> {
    const {
      action_id: actionId,
      block_id: givenBlockId,
      type: givenType,
      selected_option: selected,
      ...extra
    } = action;
    const inView = options.view !== undefined;
    const view = inView ? this.currentView(options.view) : undefined;
    const stored =
      inView || options.message === undefined ? undefined : this.findMessage(options.message.ts, options.channel);
    const blocks = view?.blocks ?? stored?.blocks;
    const located = locateElement(blocks, actionId, givenBlockId);
    // A person can only press what is on screen: when the surface is known, the element must be in it.
    if (blocks !== undefined && located === undefined) {
      const where = givenBlockId === undefined ? 'on that surface' : `in block "${givenBlockId}"`;
      throw new Error(`no element with action_id "${actionId}" ${where}`);
    }
    const element = located?.element;
    const actionTs = this.stamp();
    const performed: Record<string, any> = {
      type: givenType ?? element?.type ?? 'button',
      action_id: actionId,
      block_id: givenBlockId ?? located?.blockId ?? 'block',
      action_ts: actionTs,
      ...extra,
    };
    if (element?.text !== undefined && performed.type === 'button') performed.text = element.text;
    if (selected !== undefined) performed.selected_option = element ? asOption(element, selected) : selected;

    const payload: Record<string, any> = {
      type: 'block_actions',
      user: this.userRef(user),
      api_app_id: this.fake.appId,
      token: VERIFICATION_TOKEN,
      team: this.team(),
      enterprise: null,
      is_enterprise_install: false,
      actions: [performed],
    };
    if (view !== undefined) {
      payload.container = { type: 'view', view_id: view.id };
      payload.view = view;
      payload.trigger_id = options.triggerId ?? this.fake.triggerId(view.id, user);
    } else {
      const channel = options.channel ?? stored?.channel ?? DEFAULT_CHANNEL;
      const messageTs = options.message?.ts;
      payload.container = messageTs
        ? { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: stored === undefined }
        : { type: 'message', message_ts: actionTs, channel_id: channel, is_ephemeral: true };
      payload.channel = { id: channel, name: channel.toLowerCase() };
      if (messageTs !== undefined) {
        payload.message = stored
          ? this.slackMessage(stored)
          : { type: 'message', ts: messageTs, text: options.message?.text ?? '', user: this.fake.botUserId };
      }
      payload.state = { values: {} };
      payload.trigger_id = options.triggerId ?? this.fake.triggerId(undefined, user);
      payload.response_url = this.fake.responseUrl({
        channel,
        user,
        ...(messageTs === undefined ? {} : { messageTs }),
      });
    }
    return this.withAckProblems(await this.sendPayload(payload));
  }

  async viewSubmission(user: string, view: SubmittedView): Promise<SimResponse> {
    const submitted = { ...this.openedView(view), ...view };
    const payload = {
      type: 'view_submission',
      team: this.team(),
      user: this.userRef(user),
      api_app_id: this.fake.appId,
      token: VERIFICATION_TOKEN,
      trigger_id: this.fake.triggerId(typeof submitted.id === 'string' ? submitted.id : undefined, user),
      view: submitted,
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.withAckProblems(await this.sendPayload(payload), submitted);
  }

  /**
   * A person types into an external select of a view: Slack asks the app for the options
   * (block_suggestion) and shows what the ack's body lists. `problems` says what Slack would refuse.
   */
  async blockSuggestion(
    user: string,
    input: { action_id: string; value: string; block_id?: string },
    options: { view: any },
  ): Promise<SimResponse> {
    const view = this.currentView(options.view);
    const located = locateElement(view?.blocks, input.action_id, input.block_id);
    if (located === undefined || !['external_select', 'multi_external_select'].includes(located.element.type)) {
      throw new Error(`no external select with action_id "${input.action_id}" in that view`);
    }
    // Slack asks only once the person typed min_query_length characters, 3 when unset
    // (docs.slack.dev/reference/block-kit/block-elements/select-menu-element, external data source).
    const minimum = typeof located.element.min_query_length === 'number' ? located.element.min_query_length : 3;
    if (input.value.length < minimum)
      throw new Error(`Slack does not ask for options before ${minimum} characters are typed`);
    const payload = {
      type: 'block_suggestion',
      user: this.userRef(user),
      container: { type: 'view', view_id: view.id },
      api_app_id: this.fake.appId,
      token: VERIFICATION_TOKEN,
      action_id: input.action_id,
      block_id: located.blockId,
      value: input.value,
      team: this.team(),
      enterprise: null,
      is_enterprise_install: false,
      view,
    };
    const response = await this.sendPayload(payload);
    const problems = validateOptionsResponse(response.json);
    return problems.length > 0 ? { ...response, problems } : response;
  }

  async viewClosed(user: string, view: SubmittedView): Promise<SimResponse> {
    const payload = {
      type: 'view_closed',
      team: this.team(),
      user: this.userRef(user),
      api_app_id: this.fake.appId,
      token: VERIFICATION_TOKEN,
      view: { ...this.openedView(view), ...view },
      is_cleared: false,
      is_enterprise_install: false,
      enterprise: null,
    };
    return this.sendPayload(payload);
  }

  async messageShortcut(user: string, callbackId: string, message: ShortcutMessage): Promise<SimResponse> {
    const segments = readTyped(message.text, this.fake);
    const text = slackMessageText(segments);
    // The message exists in Slack, so the fake must know it for permalinks, reactions and threads.
    this.fake.addMessage({ channel: message.channel, user: message.user, ts: message.ts, text });
    for (const file of message.files ?? []) this.fake.addFile(file);
    const slackMessage: Record<string, any> = {
      type: 'message',
      user: message.user,
      ts: message.ts,
      text,
      team: this.teamId,
      blocks: [slackRichText(segments, randomBytes(3).toString('hex'))],
    };
    if (message.attachments) {
      slackMessage.attachments = message.attachments.map((attachment, i) => ({
        id: i + 1,
        ...Object.fromEntries(
          Object.entries(attachment).map(([field, value]) =>
            field === 'title_link' || field === 'from_url'
              ? [field, value]
              : [field, slackMessageText(readTyped(String(value), this.fake))],
          ),
        ),
      }));
    }
    if (message.files) slackMessage.files = message.files.map((file) => this.fake.slackFile(file.id));
    return this.sendMessageAction(user, callbackId, message.channel, slackMessage);
  }

  /** The message shortcut on a message the fake already holds (as Slack holds it: its text encoded). */
  async messageShortcutOn(
    user: string,
    callbackId: string,
    where: { channel: string; ts: string },
  ): Promise<SimResponse> {
    const stored = this.findMessage(where.ts, where.channel);
    if (stored === undefined) throw new Error(`no message ${where.ts} in ${where.channel}`);
    return this.sendMessageAction(user, callbackId, where.channel, this.slackMessage(stored));
  }

  private sendMessageAction(
    user: string,
    callbackId: string,
    channel: string,
    message: Record<string, any>,
  ): Promise<SimResponse> {
    const payload = {
      type: 'message_action',
      token: VERIFICATION_TOKEN,
      action_ts: this.stamp(),
      team: this.team(),
      user: this.userRef(user),
      channel: { id: channel, name: channel.toLowerCase() },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: callbackId,
      trigger_id: this.fake.triggerId(undefined, user),
      response_url: this.fake.responseUrl({ channel, user }),
      message_ts: message.ts,
      message,
    };
    return this.sendPayload(payload);
  }

  async globalShortcut(user: string, callbackId: string): Promise<SimResponse> {
    const payload = {
      type: 'shortcut',
      token: VERIFICATION_TOKEN,
      action_ts: this.stamp(),
      team: this.team(),
      user: this.userRef(user),
      is_enterprise_install: false,
      enterprise: null,
      callback_id: callbackId,
      trigger_id: this.fake.triggerId(undefined, user),
    };
    return this.sendPayload(payload);
  }

  /**
   * Delivers an Events API event. Message events from people and app_home_opened get the fields
   * Slack always sends (ts, channel, channel_type, client_msg_id, event_ts…) unless given.
   */
  async event(event: Record<string, any>, options: EventOptions = {}): Promise<SimResponse> {
    const envelope = {
      token: VERIFICATION_TOKEN,
      team_id: this.teamId,
      api_app_id: this.fake.appId,
      event: this.completeEvent(event),
      type: 'event_callback',
      event_id: options.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
      event_time: Math.floor(this.now()),
      authorizations: [
        {
          enterprise_id: null,
          team_id: this.teamId,
          user_id: this.fake.botUserId,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
    };
    const retry = {
      ...(options.retryNum === undefined ? {} : { retryAttempt: options.retryNum }),
      ...(options.retryReason === undefined ? {} : { retryReason: options.retryReason }),
    };
    return this.deliver({ type: 'events_api', payload: envelope, ...retry });
  }

  /**
   * A person writes a message (`typed`, as they typed it): in their DM with the bot unless a channel is
   * given. The event carries it as Slack sends it: entities, `<@U…>`, `<!here>`, `<https://…>`.
   */
  async message(
    user: string,
    typed: string,
    options: MessageOptions = {},
  ): Promise<SimResponse & { channel: string; ts: string }> {
    const segments = readTyped(typed, this.fake);
    return this.posted(user, slackMessageText(segments), options, {
      blocks: [slackRichText(segments, randomBytes(3).toString('hex'))],
    });
  }

  /** A person uses /me: Slack delivers a message event of subtype me_message, its text encoded like any message. */
  async meMessage(
    user: string,
    typed: string,
    options: MessageOptions = {},
  ): Promise<SimResponse & { channel: string; ts: string }> {
    return this.posted(user, slackMessageText(readTyped(typed, this.fake)), options, { subtype: 'me_message' });
  }

  /** A person edits their message to `typed`: Slack sends message_changed with the new and the previous message. */
  async editMessage(
    user: string,
    original: { channel: string; ts: string },
    typed: string,
    options: EventOptions = {},
  ): Promise<SimResponse> {
    const stored = this.fake.messages(original.channel).find((message) => message.ts === original.ts);
    if (stored === undefined) throw new Error(`no message ${original.ts} in ${original.channel} to edit`);
    const segments = readTyped(typed, this.fake);
    const text = slackMessageText(segments);
    this.fake.changeMessage(original.channel, original.ts, text);
    const editedAt = this.stamp();
    const thread = stored.threadTs === undefined ? {} : { thread_ts: stored.threadTs };
    const event = {
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel: original.channel,
      channel_type: channelType(original.channel),
      ts: editedAt,
      event_ts: editedAt,
      message: {
        type: 'message',
        user,
        text,
        blocks: [slackRichText(segments, randomBytes(3).toString('hex'))],
        edited: { user, ts: editedAt },
        ts: original.ts,
        team: this.teamId,
        ...thread,
      },
      previous_message: {
        type: 'message',
        user: stored.user,
        text: stored.text ?? '',
        ts: original.ts,
        team: this.teamId,
        ...thread,
      },
    };
    return this.event(event, options);
  }

  /**
   * A person shares a file (with `typed` words, maybe none): Slack sends file_shared and a message of
   * subtype file_share whose `files` describe it, its name encoded like any text.
   */
  async shareFile(
    user: string,
    file: FakeFile,
    options: MessageOptions & { typed?: string } = {},
  ): Promise<SimResponse & { channel: string; ts: string }> {
    const channel = options.channel ?? this.fake.dmChannelOf(user);
    this.fake.addFile({ ...file, user });
    await this.event({
      type: 'file_shared',
      file_id: file.id,
      user_id: user,
      file: { id: file.id },
      channel_id: channel,
    });
    const text = slackMessageText(readTyped(options.typed ?? '', this.fake));
    return this.posted(
      user,
      text,
      { ...options, channel },
      { subtype: 'file_share', files: [this.fake.slackFile(file.id)], upload: false, display_as_bot: false },
      [file.id],
    );
  }

  /**
   * A person's message (`text` already as Slack sends it) lands in its conversation and reaches the app
   * as a message event with `fields` (a subtype, blocks, files): what message, /me and file shares share.
   */
  private async posted(
    user: string,
    text: string,
    options: MessageOptions,
    fields: Record<string, unknown>,
    files?: string[],
  ): Promise<SimResponse & { channel: string; ts: string }> {
    const channel = options.channel ?? this.fake.dmChannelOf(user);
    const ts = this.fake.addMessage({
      channel,
      user,
      text,
      ...(options.threadTs ? { threadTs: options.threadTs } : {}),
      ...(files ? { files } : {}),
    }).ts;
    const event = {
      type: 'message',
      ...fields,
      user,
      text,
      channel,
      channel_type: channelType(channel),
      ts,
      event_ts: ts,
      ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    };
    const response = await this.event(event, options.eventId === undefined ? {} : { eventId: options.eventId });
    await this.unfurled(user, text, channel, ts, options.threadTs);
    return { ...response, channel, ts };
  }

  /**
   * A message with a web link gets a preview: Slack adds it as an attachment and sends message_changed
   * with the words unchanged and no `edited` mark (https://docs.slack.dev/reference/events/message/message_changed/).
   */
  private async unfurled(
    user: string,
    text: string,
    channel: string,
    ts: string,
    threadTs: string | undefined,
  ): Promise<void> {
    const link = /<(https?:\/\/[^|>]+)(?:\|[^>]*)?>/.exec(text)?.[1];
    if (link === undefined) return;
    const url = decodeURI(link.replace(/&amp;/g, '&'));
    const thread = threadTs === undefined ? {} : { thread_ts: threadTs };
    const at = this.stamp();
    const preview = {
      id: 1,
      from_url: url,
      original_url: url,
      fallback: `Preview of ${url}`,
      title: `Preview of ${url}`,
      title_link: url,
      service_name: new URL(url).hostname,
    };
    await this.event({
      type: 'message',
      subtype: 'message_changed',
      hidden: true,
      channel,
      channel_type: channelType(channel),
      ts: at,
      event_ts: at,
      message: { type: 'message', user, text, attachments: [preview], ts, team: this.teamId, ...thread },
      previous_message: { type: 'message', user, text, ts, team: this.teamId, ...thread },
    });
  }

  // ─── Building payloads ────────────────────────────────────────────────────────────────────

  private completeEvent(event: Record<string, any>): Record<string, any> {
    const eventTs = this.stamp();
    if (event.type === 'message' && event.subtype === undefined && typeof event.user === 'string') {
      const channel: string = event.channel ?? this.fake.dmChannelOf(event.user);
      const text: string = event.text ?? '';
      const { ts } = this.fake.addMessage({ channel, user: event.user, text, ts: event.ts, threadTs: event.thread_ts });
      return {
        client_msg_id: randomUUID(),
        type: 'message',
        text,
        user: event.user,
        ts,
        blocks: [{ type: 'rich_text', block_id: randomBytes(3).toString('hex'), elements: richText(text).elements }],
        team: this.teamId,
        channel,
        event_ts: ts,
        channel_type: channelType(channel),
        ...event,
      };
    }
    if (event.type === 'app_home_opened' && typeof event.user === 'string') {
      const view = this.fake.homeView(event.user);
      const channel = this.fake.dmChannelOf(event.user);
      return { channel, tab: 'home', event_ts: eventTs, ...(view ? { view } : {}), ...event };
    }
    return { event_ts: eventTs, ...event };
  }

  /** The view as Slack holds it now (after views.update), with the test's state and fields on top. */
  private currentView(view: any): any {
    // Given by its id alone, the view is the one Slack holds: a payload always carries the whole view.
    if (typeof view === 'string')
      return this.fake.view(view) ?? { id: view, type: 'modal', callback_id: '', blocks: [] };
    const current = typeof view?.id === 'string' ? this.fake.view(view.id) : undefined;
    return current === undefined ? view : { ...view, ...current, state: view.state ?? current.state };
  }

  /** The modal being submitted: by id, else the latest one opened with that callback_id. */
  private openedView(view: SubmittedView): Record<string, any> {
    if (typeof view.id === 'string') return this.fake.view(view.id) ?? { id: view.id, type: 'modal' };
    const opened = [...this.fake.okCalls('views.open'), ...this.fake.okCalls('views.push')]
      .map((call) => call.response.view)
      .filter((v) => v?.callback_id === view.callback_id)
      .sort((a, b) => String(a.id).localeCompare(String(b.id)))
      .at(-1);
    const current = opened === undefined ? undefined : this.fake.view(opened.id);
    // A view Slack sends back always has its blocks, even one this simulator never saw opened.
    return current ?? { id: `V${randomBytes(5).toString('hex').toUpperCase()}`, type: 'modal', blocks: [] };
  }

  private findMessage(ts: string, channel?: string): StoredMessage | undefined {
    return this.fake.messages(channel).find((m) => m.ts === ts && !m.deleted);
  }

  private slackMessage(message: StoredMessage): Record<string, any> {
    const bot = message.user === this.fake.botUserId;
    return {
      type: 'message',
      user: message.user,
      ...(bot ? { bot_id: this.fake.botId, app_id: this.fake.appId } : {}),
      text: message.text ?? '',
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.metadata ? { metadata: message.metadata } : {}),
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      ts: message.ts,
      team: this.teamId,
    };
  }

  private userName(user: string): string {
    return this.fake.user(user)?.name ?? user.toLowerCase();
  }

  private userRef(user: string): Record<string, string> {
    const name = this.userName(user);
    return { id: user, username: name, name, team_id: this.teamId };
  }

  private team(): Record<string, string> {
    return { id: this.teamId, domain: 'fake' };
  }

  private stamp(): string {
    return this.now().toFixed(6);
  }

  // ─── Sending ──────────────────────────────────────────────────────────────────────────────

  private sendPayload(payload: Record<string, any>): Promise<SimResponse> {
    return this.deliver({ type: 'interactive', payload });
  }

  private deliver(delivery: SlackDelivery): Promise<SimResponse> {
    return this.transport === undefined ? this.post(delivery) : this.transport.deliver(delivery);
  }

  /** Slack's HTTP encoding: commands as a form, interactions as a `payload` form field, events as JSON. */
  private post(delivery: SlackDelivery): Promise<SimResponse> {
    const form = 'application/x-www-form-urlencoded';
    switch (delivery.type) {
      case 'slash_commands':
        return this.send(new URLSearchParams(delivery.payload).toString(), form);
      case 'interactive':
        return this.send(new URLSearchParams({ payload: JSON.stringify(delivery.payload) }).toString(), form);
      case 'events_api': {
        if (delivery.retryAttempt !== undefined) {
          const headers = {
            'X-Slack-Retry-Num': String(delivery.retryAttempt),
            'X-Slack-Retry-Reason': delivery.retryReason ?? 'http_timeout',
          };
          return this.send(JSON.stringify(delivery.payload), 'application/json', headers);
        }
        return this.eventWithRetries(JSON.stringify(delivery.payload));
      }
    }
  }

  /**
   * Slack's Events API over HTTP: an event answered with a 5xx, or not answered within 3 seconds, is sent
   * again up to three times, each with X-Slack-Retry-Num and X-Slack-Retry-Reason (http_error,
   * http_timeout) (https://docs.slack.dev/apis/events-api/#retries). Slack sends a retry without waiting
   * for the slow answer; here it follows it, which asks the same of the app: act once.
   */
  private async eventWithRetries(body: string): Promise<SimResponse> {
    let headers: Record<string, string> = {};
    for (let retry = 0; ; retry++) {
      const started = Date.now();
      // Each retry is a new request, signed at its own time (a second apart here, not Slack's minutes,
      // so the app's five-minute window still takes it).
      const response = await this.send(body, 'application/json', headers, retry);
      const slow = Date.now() - started > this.httpAckWindowMs;
      if ((response.status < 500 && !slow) || retry === HTTP_EVENT_RETRIES)
        return retry === 0 ? response : { ...response, retries: retry };
      headers = {
        'X-Slack-Retry-Num': String(retry + 1),
        'X-Slack-Retry-Reason': slow ? 'http_timeout' : 'http_error',
      };
    }
  }

  private send(
    body: string,
    contentType: string,
    headers: Record<string, string> = {},
    later = 0,
  ): Promise<SimResponse> {
    const signed = { 'Content-Type': contentType, ...this.sign(body, this.now() + later), ...headers };
    this.lastSent = { body, headers: signed };
    return this.raw(body, signed);
  }

  private withAckProblems(response: SimResponse, submitted?: any): SimResponse {
    const problems = problemsInAck(response.json, submitted);
    return problems.length > 0 ? { ...response, problems } : response;
  }
}
