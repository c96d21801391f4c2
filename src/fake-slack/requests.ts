import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { SELECT_MENUS, validateBlocks, validateView, type FakeSlack, type StoredMessage } from './server.js';

/** The app's HTTP answer; `problems` lists what Slack would refuse in a synchronous answer (ack body). */
export interface SimResponse {
  status: number;
  body: string;
  json?: any;
  problems?: string[];
  /** Socket Mode: no ack came, and Slack showed the person this instead (dispatch_failed, operation_timeout). */
  error?: string;
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
  /** The modal or home view the element is in; its current state is read from the fake when it has an id. */
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
  text: string;
  user: string;
  channel: string;
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

function locateElement(blocks: unknown, actionId: string, blockId?: string): { blockId: string; element: any } | undefined {
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

/** An answer given as a value becomes the element's own option object, as Slack sends it back. */
function asOption(element: any, answer: any): any {
  if (answer === null || answer === undefined) return null;
  const value = isObject(answer) ? answer.value : String(answer);
  const option = optionsOf(element).find((o) => o.value === value);
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
      return { type, selected_options: pick(element.initial_options, [], (a) => list(a).map((o) => asOption(element, o))) };
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
      return { type, rich_text_value: pick(element.initial_value, null, (a) => (typeof a === 'string' ? richText(a) : a)) };
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
    const inputIds = new Set(
      submitted.blocks.filter((b: any) => b?.type === 'input').map((b: any) => b.block_id),
    );
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

  constructor(options: SlackClientSimOptions) {
    this.url = options.url;
    this.signingSecret = options.signingSecret;
    this.fake = options.fake;
    this.teamId = options.teamId ?? options.fake.teamId;
    this.now = options.now ?? (() => Date.now() / 1000);
    this.transport = options.transport;
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

  async command(
    user: string,
    command: string,
    text: string,
    options: { channel?: string; triggerId?: string } = {},
  ): Promise<SimResponse> {
    const channel = options.channel ?? DEFAULT_CHANNEL;
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
    const { action_id: actionId, block_id: givenBlockId, type: givenType, selected_option: selected, ...extra } = action;
    const inView = options.view !== undefined;
    const view = inView ? this.currentView(options.view) : undefined;
    const stored = inView || options.message === undefined ? undefined : this.findMessage(options.message.ts, options.channel);
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
      payload.response_url = this.fake.responseUrl({ channel, user, ...(messageTs === undefined ? {} : { messageTs }) });
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
    // The message exists in Slack, so the fake must know it for permalinks, reactions and threads.
    this.fake.addMessage(message);
    const payload = {
      type: 'message_action',
      token: VERIFICATION_TOKEN,
      action_ts: this.stamp(),
      team: this.team(),
      user: this.userRef(user),
      channel: { id: message.channel, name: message.channel.toLowerCase() },
      is_enterprise_install: false,
      enterprise: null,
      callback_id: callbackId,
      trigger_id: this.fake.triggerId(undefined, user),
      response_url: this.fake.responseUrl({ channel: message.channel, user }),
      message_ts: message.ts,
      message: { type: 'message', user: message.user, ts: message.ts, text: message.text, team: this.teamId },
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

  /** A person writes a message: in their DM with the bot unless a channel is given. */
  async message(
    user: string,
    text: string,
    options: { channel?: string; threadTs?: string; eventId?: string } = {},
  ): Promise<SimResponse & { channel: string; ts: string }> {
    const channel = options.channel ?? this.fake.dmChannelOf(user);
    const ts = this.fake.addMessage({ channel, user, text, ...(options.threadTs ? { threadTs: options.threadTs } : {}) }).ts;
    const event = { type: 'message', user, text, channel, ts, ...(options.threadTs ? { thread_ts: options.threadTs } : {}) };
    const response = await this.event(event, options.eventId === undefined ? {} : { eventId: options.eventId });
    return { ...response, channel, ts };
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
    return current ?? { id: `V${randomBytes(5).toString('hex').toUpperCase()}`, type: 'modal' };
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
        const headers: Record<string, string> = {};
        if (delivery.retryAttempt !== undefined) {
          headers['X-Slack-Retry-Num'] = String(delivery.retryAttempt);
          headers['X-Slack-Retry-Reason'] = delivery.retryReason ?? 'http_timeout';
        }
        return this.send(JSON.stringify(delivery.payload), 'application/json', headers);
      }
    }
  }

  private send(body: string, contentType: string, headers: Record<string, string> = {}): Promise<SimResponse> {
    return this.raw(body, { 'Content-Type': contentType, ...this.sign(body, this.now()), ...headers });
  }

  private withAckProblems(response: SimResponse, submitted?: any): SimResponse {
    const problems = problemsInAck(response.json, submitted);
    return problems.length > 0 ? { ...response, problems } : response;
  }
}
