import { z } from 'zod';
import { actionIds, replyFields } from '../../blocks/ids.js';

/**
 * The shape of every Slack payload deskbolt reads, checked before Bolt or a listener touches it.
 * One schema per kind of request, listing only the fields Bolt and our listeners read (every other
 * field passes unchecked): a payload that lacks one, or carries it as the wrong type — an object
 * where a string belongs, `{"$gt": ""}` as a thread's ts — is refused whole, so no listener faults
 * on it and no value of the wrong type reaches a database query.
 *
 * The shapes are Slack's own, from its payload references (docs.slack.dev/reference/interaction-payloads,
 * docs.slack.dev/interactivity/implementing-slash-commands, docs.slack.dev/reference/events): a field
 * Slack always sends is required here, and one it sends only sometimes is optional.
 */

const id = z.string().min(1);
const slackTs = z.string().min(1);

/** Who acted; Bolt reads user.team_id when a payload's team is null (an org-wide install). */
const actor = z.looseObject({ id, team_id: z.string().optional() });
const team = z.looseObject({ id, enterprise_id: z.string().optional() }).nullable();
const enterprise = z.looseObject({ id }).nullable().optional();

const interaction = {
  user: actor,
  team,
  enterprise,
  is_enterprise_install: z.boolean().optional(),
};

const stateValue = z.looseObject({
  type: z.string(),
  value: z.string().nullable().optional(),
  selected_option: z.looseObject({ value: z.string() }).nullable().optional(),
  selected_user: z.string().nullable().optional(),
});

/** A modal or home view as Slack sends it back: listeners read its metadata, its state and its blocks' ids. */
const view = z.looseObject({
  id,
  type: z.string(),
  callback_id: z.string(),
  private_metadata: z.string().optional(),
  hash: z.string().optional(),
  app_installed_team_id: z.string().optional(),
  blocks: z.array(z.looseObject({ block_id: z.string().optional() })),
  // Slack's own SDK fixtures record a submission of a modal without inputs as `state: {}` (no values).
  state: z.looseObject({ values: z.record(z.string(), z.record(z.string(), stateValue)).optional() }).optional(),
});

/** A select's block_actions always names the option chosen; a button's carries its value when it has one. */
const anyAction = z
  .looseObject({
    type: z.string(),
    action_id: z.string(),
    block_id: z.string(),
    value: z.string().optional(),
    selected_option: z.looseObject({ value: z.string() }).optional(),
  })
  .superRefine((performed, context) => {
    if (
      ['static_select', 'external_select', 'radio_buttons'].includes(performed.type) &&
      performed.selected_option === undefined
    ) {
      context.addIssue({
        code: 'custom',
        path: ['selected_option'],
        message: `a ${performed.type} action names the option chosen`,
      });
    }
  });

const chosenOption = z.looseObject({ value: z.string() });

/** The element each of deskbolt's own action ids is rendered as (blocks/), with the fields its listener reads. */
const elements = {
  button: z.looseObject({ type: z.literal('button'), value: z.string().optional() }),
  staticSelect: z.looseObject({ type: z.literal('static_select'), selected_option: chosenOption }),
  externalSelect: z.looseObject({ type: z.literal('external_select'), selected_option: chosenOption }),
  // Slack sends a dispatched text input's value, empty when nothing was typed.
  textInput: z.looseObject({ type: z.literal('plain_text_input'), value: z.string().nullable().optional() }),
};

const NOT_BUTTONS: Record<string, z.ZodType> = {
  [replyFields.macro]: elements.externalSelect,
  [replyFields.category]: elements.staticSelect,
  [replyFields.kbSearch]: elements.externalSelect,
  [actionIds.homeSearch]: elements.textInput,
};

const BUTTONS: readonly string[] = [...Object.values(actionIds), replyFields.linkArticle];

/**
 * The shape an action id's listener expects, or null for an id deskbolt never rendered. Every other
 * of its ids is a button, some with a suffix (`ticket_show_1001`, `home_availability_away`).
 */
function elementOf(actionId: string): z.ZodType | null {
  const notButton = NOT_BUTTONS[actionId];
  if (notButton) return notButton;
  return BUTTONS.some((id) => actionId === id || actionId.startsWith(`${id}_`)) ? elements.button : null;
}

/**
 * An action of one of deskbolt's ids must come as the element it renders: the id of a select sent as a
 * button, or as a select that names no option, would reach a listener that reads the option chosen.
 */
const action = anyAction.superRefine((performed, context) => {
  const parsed = elementOf(performed.action_id)?.safeParse(performed);
  if (!parsed || parsed.success) return;
  for (const issue of parsed.error.issues) {
    context.addIssue({
      code: 'custom',
      path: issue.path,
      message: `${performed.action_id.slice(0, 60)} is not sent that way: ${issue.message}`,
    });
  }
});

/** A button on a message answers through response_url; one in a modal or on the App Home carries the view. */
const blockActions = z.union([
  z.looseObject({
    type: z.literal('block_actions'),
    ...interaction,
    trigger_id: z.string(),
    actions: z.array(action).min(1),
    container: z.looseObject({ type: z.literal('message'), message_ts: slackTs, channel_id: id }),
    channel: z.looseObject({ id }),
    response_url: z.url(),
  }),
  z.looseObject({
    type: z.literal('block_actions'),
    ...interaction,
    trigger_id: z.string(),
    actions: z.array(action).min(1),
    container: z.looseObject({ type: z.literal('view'), view_id: id }),
    view,
  }),
]);

const viewSubmission = z.looseObject({
  type: z.literal('view_submission'),
  ...interaction,
  trigger_id: z.string(),
  view,
  response_urls: z.array(z.looseObject({ response_url: z.url() })).optional(),
});

/** An external select asking for its options as the person types (answered with the options, or none). */
const blockSuggestion = z.looseObject({
  type: z.literal('block_suggestion'),
  ...interaction,
  action_id: z.string(),
  block_id: z.string(),
  value: z.string(),
});

const viewClosed = z.looseObject({ type: z.literal('view_closed'), ...interaction, view });

const globalShortcut = z.looseObject({
  type: z.literal('shortcut'),
  ...interaction,
  callback_id: z.string(),
  trigger_id: z.string(),
});

const messageShortcut = z.looseObject({
  type: z.literal('message_action'),
  ...interaction,
  callback_id: z.string(),
  trigger_id: z.string(),
  response_url: z.url(),
  channel: z.looseObject({ id }),
  message: z.looseObject({
    ts: slackTs,
    text: z.string().optional(),
    user: z.string().optional(),
    thread_ts: slackTs.optional(),
  }),
});

/** A slash command comes form-encoded: every field is text, and a field sent twice would be a list. */
const slashCommand = z.looseObject({
  command: z.string().startsWith('/'),
  text: z.string(),
  user_id: id,
  channel_id: id,
  team_id: id,
  enterprise_id: z.string().optional(),
  is_enterprise_install: z.string().optional(),
  trigger_id: z.string(),
  response_url: z.url(),
});

const messageEvent = z
  .looseObject({
    type: z.literal('message'),
    subtype: z.string().optional(),
    channel: id,
    channel_type: z.string().optional(),
    user: z.string().optional(),
    bot_id: z.string().optional(),
    text: z.string().optional(),
    ts: slackTs,
    thread_ts: slackTs.optional(),
    files: z.array(z.looseObject({ id })).optional(),
    message: z
      .looseObject({
        ts: slackTs,
        user: z.string().optional(),
        bot_id: z.string().optional(),
        text: z.string().optional(),
        thread_ts: slackTs.optional(),
      })
      .optional(),
    previous_message: z.looseObject({ text: z.string().optional() }).optional(),
    deleted_ts: slackTs.optional(),
  })
  .superRefine((event, context) => {
    if (event.subtype === 'message_changed' && event.message === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['message'],
        message: 'a message_changed event carries the message as it is now',
      });
    }
    if (event.subtype === 'message_deleted' && event.deleted_ts === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['deleted_ts'],
        message: 'a message_deleted event names the deleted message',
      });
    }
  });

const fileSharedEvent = z.looseObject({ type: z.literal('file_shared'), file_id: id, user_id: id, channel_id: id });

const appHomeOpenedEvent = z.looseObject({ type: z.literal('app_home_opened'), user: id, tab: z.string() });

/** Any other event: the fields Bolt itself reads to route it (deskbolt's manifest subscribes to none). */
const otherEvent = z.looseObject({
  type: z.string().min(1),
  channel: z.union([z.string(), z.looseObject({ id: z.string().optional() })]).optional(),
  channel_id: z.string().optional(),
  user: z.union([z.string(), z.looseObject({ id: z.string() })]).optional(),
  item: z.looseObject({}).optional(),
  subteam: z.looseObject({}).optional(),
  subtype: z.string().optional(),
  bot_id: z.string().optional(),
});

const EVENTS: Record<string, z.ZodType> = {
  message: messageEvent,
  file_shared: fileSharedEvent,
  app_home_opened: appHomeOpenedEvent,
};

const eventCallback = z.looseObject({
  type: z.literal('event_callback'),
  event_id: id,
  team_id: id,
  authorizations: z
    .array(
      z.looseObject({
        team_id: z.string().nullable().optional(),
        enterprise_id: z.string().nullable().optional(),
        is_enterprise_install: z.boolean().optional(),
      }),
    )
    .optional(),
  event: z.looseObject({ type: z.string() }),
});

/** Why a payload cannot be handled, or null when its shape is what Slack sends. */
export function payloadProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the payload is not a JSON object';
  const payload = body as Record<string, unknown>;
  const schema = schemaOf(payload);
  if (schema === null) return `deskbolt handles no request of type “${String(payload.type ?? 'unknown').slice(0, 40)}”`;
  const problem = firstProblem(schema, payload);
  if (problem !== null || schema !== eventCallback) return problem;
  const event = payload.event as { type: string };
  return firstProblem(EVENTS[event.type] ?? otherEvent, event, 'event');
}

/** The kind of a payload, recognised in the order Bolt recognises it (App#processEvent), so both agree. */
function schemaOf(payload: Record<string, unknown>): z.ZodType | null {
  if (payload.event !== undefined) return eventCallback;
  if (payload.command !== undefined) return slashCommand;
  // Options requests (block_suggestion) and legacy dialogs and attachments are not used by deskbolt.
  if (payload.type === 'block_suggestion') return blockSuggestion;
  if (payload.name !== undefined || payload.type === 'dialog_submission') return null;
  if (payload.actions !== undefined) return blockActions;
  return (
    {
      shortcut: globalShortcut,
      message_action: messageShortcut,
      view_submission: viewSubmission,
      view_closed: viewClosed,
    }[String(payload.type)] ?? null
  );
}

function firstProblem(schema: z.ZodType, value: unknown, prefix?: string): string | null {
  const parsed = schema.safeParse(value);
  if (parsed.success) return null;
  const issue = deepest(parsed.error.issues[0]!);
  const path = [...(prefix ? [prefix] : []), ...issue.path.map(String)].join('.');
  return `${path || 'payload'}: ${issue.message}`;
}

/** A union's own issue says only "invalid input"; the branch's issue says which field is wrong. */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return issue;
  // The branch that got furthest (the longest path) is the one the payload meant to be.
  const candidates = issue.errors
    .flat()
    .map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }) as z.core.$ZodIssue);
  return deepest(candidates.sort((a, b) => b.path.length - a.path.length)[0] ?? issue);
}

/** A payload of a shape Slack never sends: answered 400 over HTTP, dropped in Socket Mode; no listener sees it. */
export class MalformedPayload extends Error {
  constructor(readonly problem: string) {
    super(`malformed Slack payload: ${problem}`);
    this.name = 'MalformedPayload';
  }
}
