// ─── Block Kit validation ────────────────────────────────────────────────────────────────────
// The numbers come from ./limits.ts, each with its source. Each problem is phrased the way Slack
// phrases it in response_metadata.messages, so a failing test reads like a failing production call.

import { max } from './limits.js';

export type Surface = 'message' | 'modal' | 'home';

type JsonObject = Record<string, unknown>;

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const MESSAGE_TEXT_MAX = max('messageText');

class Problems {
  readonly list: string[] = [];
  add(at: string, what: string): void {
    this.list.push(`[ERROR] ${what} [json-pointer:${at}]`);
  }
}

interface StringRule {
  max: number;
  min?: number;
  required?: boolean;
}

function checkString(p: Problems, owner: JsonObject, field: string, at: string, rule: StringRule): void {
  const value = owner[field];
  if (value === undefined || value === null) {
    if (rule.required) p.add(at, `missing required field: ${field}`);
    return;
  }
  const here = `${at}/${field}`;
  if (typeof value !== 'string') {
    p.add(here, 'must be a string');
    return;
  }
  if (value.length > rule.max) p.add(here, `must be less than ${rule.max + 1} characters`);
  if (rule.min !== undefined && value.length < rule.min) p.add(here, `must be more than ${rule.min - 1} characters`);
}

function checkEnum(p: Problems, owner: JsonObject, field: string, at: string, allowed: readonly string[]): void {
  const value = owner[field];
  if (value === undefined) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    p.add(`${at}/${field}`, `must be one of: ${allowed.join(', ')}`);
  }
}

interface TextRule {
  max: number;
  plainOnly?: boolean;
  required?: boolean;
}

function checkText(p: Problems, owner: JsonObject, field: string, at: string, rule: TextRule): void {
  const value = owner[field];
  if (value === undefined || value === null) {
    if (rule.required) p.add(at, `missing required field: ${field}`);
    return;
  }
  checkTextObject(p, value, `${at}/${field}`, rule);
}

function checkTextObject(p: Problems, value: unknown, at: string, rule: TextRule): void {
  if (!isObject(value)) {
    p.add(at, 'must provide an object');
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') {
    p.add(`${at}/type`, 'must be one of: plain_text, mrkdwn');
    return;
  }
  if (rule.plainOnly && value.type !== 'plain_text') p.add(`${at}/type`, 'must be plain_text');
  checkString(p, value, 'text', at, { max: rule.max, min: 1, required: true });
}

interface ListRule {
  max: number;
  min?: number;
  required?: boolean;
}

/** Checks the array itself; returns its items (or nothing) so the caller can check each one. */
function checkList(p: Problems, owner: JsonObject, field: string, at: string, rule: ListRule): unknown[] {
  const value = owner[field];
  if (value === undefined || value === null) {
    if (rule.required) p.add(at, `missing required field: ${field}`);
    return [];
  }
  const here = `${at}/${field}`;
  if (!Array.isArray(value)) {
    p.add(here, 'must provide an array');
    return [];
  }
  if (value.length > rule.max) p.add(here, `no more than ${rule.max} items allowed`);
  if (rule.min !== undefined && value.length < rule.min) p.add(here, `must provide at least ${rule.min} items`);
  return value;
}

interface OptionRule {
  plainOnly: boolean;
  allowUrl?: boolean;
}

function checkOption(p: Problems, option: unknown, at: string, rule: OptionRule): void {
  if (!isObject(option)) {
    p.add(at, 'must provide an object');
    return;
  }
  checkText(p, option, 'text', at, { max: max('optionText'), plainOnly: rule.plainOnly, required: true });
  checkString(p, option, 'value', at, { max: max('optionValue'), required: true });
  checkText(p, option, 'description', at, { max: max('optionDescription'), plainOnly: true });
  if (rule.allowUrl) checkString(p, option, 'url', at, { max: max('optionUrl') });
  else if (option.url !== undefined) p.add(`${at}/url`, 'url is only allowed in overflow menu options');
}

function checkOptions(
  p: Problems,
  owner: JsonObject,
  field: string,
  at: string,
  list: ListRule,
  rule: OptionRule,
): void {
  for (const [i, option] of checkList(p, owner, field, at, list).entries())
    checkOption(p, option, `${at}/${field}/${i}`, rule);
}

function checkConfirm(p: Problems, owner: JsonObject, at: string): void {
  const confirm = owner.confirm;
  if (confirm === undefined) return;
  const here = `${at}/confirm`;
  if (!isObject(confirm)) {
    p.add(here, 'must provide an object');
    return;
  }
  checkText(p, confirm, 'title', here, { max: max('confirmTitle'), plainOnly: true, required: true });
  checkText(p, confirm, 'text', here, { max: max('confirmText'), required: true });
  checkText(p, confirm, 'confirm', here, { max: max('confirmButton'), plainOnly: true, required: true });
  checkText(p, confirm, 'deny', here, { max: max('confirmDeny'), plainOnly: true, required: true });
  checkEnum(p, confirm, 'style', here, ['primary', 'danger']);
}

function checkPattern(p: Problems, owner: JsonObject, field: string, at: string, pattern: RegExp, shape: string): void {
  const value = owner[field];
  if (value === undefined) return;
  if (typeof value !== 'string' || !pattern.test(value)) p.add(`${at}/${field}`, `must be formatted ${shape}`);
}

type ElementCheck = (p: Problems, element: JsonObject, at: string) => void;

/** Select menus backed by a list the app supplies; the other selects only add their initial value. */
const checkStaticSelect: ElementCheck = (p, element, at) => {
  const hasOptions = element.options !== undefined;
  const hasGroups = element.option_groups !== undefined;
  if (hasOptions === hasGroups) p.add(at, 'must provide exactly one of options or option_groups');
  checkOptions(p, element, 'options', at, { max: max('selectOptions') }, { plainOnly: true });
  checkList(p, element, 'option_groups', at, { max: max('selectOptionGroups') }).forEach((group, i) => {
    const here = `${at}/option_groups/${i}`;
    if (!isObject(group)) {
      p.add(here, 'must provide an object');
      return;
    }
    checkText(p, group, 'label', here, { max: max('optionGroupLabel'), plainOnly: true, required: true });
    checkOptions(p, group, 'options', here, { max: max('optionGroupOptions'), required: true }, { plainOnly: true });
  });
};

const checkMultiSelect: ElementCheck = (p, element, at) => {
  const max = element.max_selected_items;
  if (max !== undefined && (typeof max !== 'number' || max < 1)) {
    p.add(`${at}/max_selected_items`, 'must be a number of at least 1');
  }
};

const noExtraRules: ElementCheck = () => undefined;

const elementChecks = new Map<string, ElementCheck>([
  [
    'button',
    (p, element, at) => {
      checkText(p, element, 'text', at, { max: max('buttonText'), plainOnly: true, required: true });
      checkString(p, element, 'value', at, { max: max('buttonValue') });
      checkString(p, element, 'url', at, { max: max('buttonUrl') });
      checkString(p, element, 'accessibility_label', at, { max: max('buttonAccessibilityLabel') });
      checkEnum(p, element, 'style', at, ['primary', 'danger']);
    },
  ],
  ['static_select', checkStaticSelect],
  [
    'multi_static_select',
    (p, element, at) => {
      checkStaticSelect(p, element, at);
      checkMultiSelect(p, element, at);
    },
  ],
  ['external_select', noExtraRules],
  ['multi_external_select', checkMultiSelect],
  ['users_select', noExtraRules],
  ['multi_users_select', checkMultiSelect],
  ['conversations_select', noExtraRules],
  ['multi_conversations_select', checkMultiSelect],
  ['channels_select', noExtraRules],
  ['multi_channels_select', checkMultiSelect],
  [
    'overflow',
    (p, element, at) =>
      checkOptions(
        p,
        element,
        'options',
        at,
        { min: max('overflowOptionsMin'), max: max('overflowOptionsMax'), required: true },
        { plainOnly: true, allowUrl: true },
      ),
  ],
  [
    'plain_text_input',
    (p, element, at) => {
      for (const field of ['min_length', 'max_length'] as const) {
        const value = element[field];
        if (value === undefined) continue;
        const valid = typeof value === 'number' && value >= 0 && value <= max('textInputLength');
        if (!valid) p.add(`${at}/${field}`, `must be a number from 0 to ${max('textInputLength')}`);
      }
      const { min_length: shortest, max_length: longest } = element;
      if (typeof shortest === 'number' && typeof longest === 'number' && shortest > longest) {
        p.add(`${at}/min_length`, 'must not be greater than max_length');
      }
    },
  ],
  [
    'checkboxes',
    (p, element, at) =>
      checkOptions(
        p,
        element,
        'options',
        at,
        { min: 1, max: max('checkboxOptions'), required: true },
        { plainOnly: false },
      ),
  ],
  [
    'radio_buttons',
    (p, element, at) =>
      checkOptions(
        p,
        element,
        'options',
        at,
        { min: 1, max: max('radioOptions'), required: true },
        { plainOnly: false },
      ),
  ],
  ['datepicker', (p, element, at) => checkPattern(p, element, 'initial_date', at, /^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')],
  ['timepicker', (p, element, at) => checkPattern(p, element, 'initial_time', at, /^\d{2}:\d{2}$/, 'HH:mm')],
  ['datetimepicker', noExtraRules],
  [
    'number_input',
    (p, element, at) => {
      if (typeof element.is_decimal_allowed !== 'boolean') p.add(at, 'missing required field: is_decimal_allowed');
    },
  ],
  ['email_text_input', noExtraRules],
  ['url_text_input', noExtraRules],
  ['rich_text_input', noExtraRules],
  ['file_input', noExtraRules],
  [
    'image',
    (p, element, at) => {
      if (element.slack_file === undefined)
        checkString(p, element, 'image_url', at, { max: max('imageUrl'), required: true });
      checkString(p, element, 'alt_text', at, { max: max('imageAltText'), required: true });
    },
  ],
  [
    'workflow_button',
    (p, element, at) => checkText(p, element, 'text', at, { max: max('buttonText'), plainOnly: true, required: true }),
  ],
]);

/** Slack's select menus: validated here, and given a selection by the request simulator. */
export const SELECT_MENUS = [
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_external_select',
  'multi_users_select',
  'multi_conversations_select',
  'multi_channels_select',
];
const CHOOSERS = [
  ...SELECT_MENUS,
  'button',
  'checkboxes',
  'datepicker',
  'overflow',
  'radio_buttons',
  'timepicker',
  'workflow_button',
];
const ACCESSORY_ELEMENTS = new Set([...CHOOSERS, 'image']);
const ACTIONS_ELEMENTS = new Set([...CHOOSERS, 'datetimepicker']);
const INPUT_ELEMENTS = new Set([
  ...SELECT_MENUS,
  'checkboxes',
  'datepicker',
  'datetimepicker',
  'email_text_input',
  'file_input',
  'number_input',
  'plain_text_input',
  'radio_buttons',
  'rich_text_input',
  'timepicker',
  'url_text_input',
]);

function checkElement(p: Problems, element: unknown, at: string, allowed: ReadonlySet<string>, place: string): void {
  if (!isObject(element)) {
    p.add(at, 'must provide an object');
    return;
  }
  const type = element.type;
  const check = typeof type === 'string' ? elementChecks.get(type) : undefined;
  if (check === undefined) {
    p.add(`${at}/type`, `unknown element type ${JSON.stringify(type)}`);
    return;
  }
  if (!allowed.has(type as string)) {
    p.add(`${at}/type`, `element type "${String(type)}" is not allowed in ${place}`);
    return;
  }
  if (type !== 'image') checkString(p, element, 'action_id', at, { max: max('actionId') });
  checkText(p, element, 'placeholder', at, { max: max('placeholder'), plainOnly: true });
  checkConfirm(p, element, at);
  check(p, element, at);
  checkUniqueOptionValues(p, element, at);
}

/** An option's value is "a unique string" (option object reference): two options of one element may not share one. */
function checkUniqueOptionValues(p: Problems, element: JsonObject, at: string): void {
  const located: [string, unknown][] = [];
  if (Array.isArray(element.options)) {
    for (const [i, option] of element.options.entries()) located.push([`${at}/options/${i}`, option]);
  }
  if (Array.isArray(element.option_groups)) {
    for (const [g, group] of element.option_groups.entries()) {
      if (!isObject(group) || !Array.isArray(group.options)) continue;
      for (const [i, option] of group.options.entries())
        located.push([`${at}/option_groups/${g}/options/${i}`, option]);
    }
  }
  const seen = new Set<string>();
  for (const [here, option] of located) {
    const value = isObject(option) ? option.value : undefined;
    if (typeof value !== 'string') continue;
    if (seen.has(value)) p.add(`${here}/value`, `duplicate option value "${value}" in this element`);
    seen.add(value);
  }
}

type BlockCheck = (p: Problems, block: JsonObject, at: string, surface: Surface) => void;

const blockChecks = new Map<string, BlockCheck>([
  [
    'section',
    (p, block, at) => {
      if (block.text === undefined && block.fields === undefined) p.add(at, 'must provide text or fields');
      checkText(p, block, 'text', at, { max: max('sectionText') });
      for (const [i, field] of checkList(p, block, 'fields', at, { max: max('sectionFields') }).entries()) {
        checkTextObject(p, field, `${at}/fields/${i}`, { max: max('sectionFieldText') });
      }
      if (block.accessory !== undefined) {
        checkElement(p, block.accessory, `${at}/accessory`, ACCESSORY_ELEMENTS, 'a section accessory');
      }
    },
  ],
  ['divider', () => undefined],
  [
    'image',
    (p, block, at) => {
      if (block.slack_file === undefined)
        checkString(p, block, 'image_url', at, { max: max('imageUrl'), required: true });
      checkString(p, block, 'alt_text', at, { max: max('imageAltText'), required: true });
      checkText(p, block, 'title', at, { max: max('imageTitle'), plainOnly: true });
    },
  ],
  [
    'actions',
    (p, block, at) => {
      const actionIds = new Set<string>();
      checkList(p, block, 'elements', at, { min: 1, max: max('actionsElements'), required: true }).forEach(
        (element, i) => {
          const here = `${at}/elements/${i}`;
          checkElement(p, element, here, ACTIONS_ELEMENTS, 'actions blocks');
          const actionId = isObject(element) ? element.action_id : undefined;
          if (typeof actionId !== 'string') return;
          if (actionIds.has(actionId)) p.add(`${here}/action_id`, `duplicate action_id "${actionId}" in this block`);
          actionIds.add(actionId);
        },
      );
    },
  ],
  [
    'context',
    (p, block, at) => {
      checkList(p, block, 'elements', at, { min: 1, max: max('contextElements'), required: true }).forEach(
        (element, i) => {
          const here = `${at}/elements/${i}`;
          const type = isObject(element) ? element.type : undefined;
          if (type === 'image') checkElement(p, element, here, ACCESSORY_ELEMENTS, 'context blocks');
          else if (type === 'plain_text' || type === 'mrkdwn')
            checkTextObject(p, element, here, { max: max('contextText') });
          else p.add(`${here}/type`, 'context elements must be images or text objects');
        },
      );
    },
  ],
  [
    'input',
    (p, block, at, surface) => {
      if (surface === 'message') p.add(`${at}/type`, 'input blocks are not allowed in messages');
      checkText(p, block, 'label', at, { max: max('inputLabel'), plainOnly: true, required: true });
      checkText(p, block, 'hint', at, { max: max('inputHint'), plainOnly: true });
      if (block.element === undefined) p.add(at, 'missing required field: element');
      else checkElement(p, block.element, `${at}/element`, INPUT_ELEMENTS, 'input blocks');
    },
  ],
  [
    'header',
    (p, block, at) => checkText(p, block, 'text', at, { max: max('headerText'), plainOnly: true, required: true }),
  ],
  ['rich_text', (p, block, at) => void checkList(p, block, 'elements', at, { max: Infinity, required: true })],
  [
    'markdown',
    (p, block, at) => checkString(p, block, 'text', at, { max: max('markdownText'), min: 1, required: true }),
  ],
  [
    'file',
    (p, block, at) => {
      checkString(p, block, 'external_id', at, { max: max('fileExternalId'), required: true });
      checkString(p, block, 'source', at, { max: max('fileSource'), required: true });
    },
  ],
  [
    'video',
    (p, block, at) => {
      checkString(p, block, 'alt_text', at, { max: max('videoAltText'), required: true });
      checkText(p, block, 'title', at, { max: max('videoTitle'), plainOnly: true, required: true });
      checkString(p, block, 'thumbnail_url', at, { max: max('videoUrl'), required: true });
      checkString(p, block, 'video_url', at, { max: max('videoUrl'), required: true });
    },
  ],
]);

function checkBlocks(p: Problems, blocks: unknown, surface: Surface, at: string): void {
  if (!Array.isArray(blocks)) {
    p.add(at, 'must provide an array');
    return;
  }
  const most = max(surface === 'message' ? 'messageBlocks' : 'viewBlocks');
  if (blocks.length > most) p.add(at, `no more than ${most} items allowed`);
  const blockIds = new Set<string>();
  blocks.forEach((block, i) => {
    const here = `${at}/${i}`;
    if (!isObject(block)) {
      p.add(here, 'must provide an object');
      return;
    }
    const check = typeof block.type === 'string' ? blockChecks.get(block.type) : undefined;
    if (check === undefined) {
      p.add(`${here}/type`, `unknown block type ${JSON.stringify(block.type)}`);
      return;
    }
    checkString(p, block, 'block_id', here, { max: max('blockId') });
    if (typeof block.block_id === 'string') {
      if (blockIds.has(block.block_id)) p.add(`${here}/block_id`, `duplicate block_id "${block.block_id}"`);
      blockIds.add(block.block_id);
    }
    check(p, block, here, surface);
  });
}

/** Problems Slack would report for these blocks on that surface; empty when Slack would accept them. */
export function validateBlocks(blocks: unknown, surface: Surface, at = '/blocks'): string[] {
  const p = new Problems();
  checkBlocks(p, blocks, surface, at);
  return p.list;
}

/** Problems Slack would report for a view passed to views.open/push/update/publish. */
export function validateView(view: unknown): string[] {
  const p = new Problems();
  const at = '/view';
  if (!isObject(view)) {
    p.add(at, 'must provide an object');
    return p.list;
  }
  if (view.type !== 'modal' && view.type !== 'home') {
    p.add(`${at}/type`, 'must be one of: modal, home');
    return p.list;
  }
  if (view.type === 'modal') {
    checkText(p, view, 'title', at, { max: max('modalTitle'), plainOnly: true, required: true });
    checkText(p, view, 'submit', at, { max: max('modalSubmit'), plainOnly: true });
    checkText(p, view, 'close', at, { max: max('modalClose'), plainOnly: true });
    const hasInputs = Array.isArray(view.blocks) && view.blocks.some((b) => isObject(b) && b.type === 'input');
    if (hasInputs && view.submit === undefined)
      p.add(at, 'missing required field: submit (the modal has input blocks)');
  }
  checkString(p, view, 'private_metadata', at, { max: max('privateMetadata') });
  checkString(p, view, 'callback_id', at, { max: max('callbackId') });
  checkString(p, view, 'external_id', at, { max: max('externalId') });
  if (view.blocks === undefined) p.add(at, 'missing required field: blocks');
  else checkBlocks(p, view.blocks, view.type, `${at}/blocks`);
  return p.list;
}

/**
 * Problems Slack would report for the answer to a block_suggestion (an external select loading its
 * options): `options` or `option_groups`, at most 100 of them ("Users may return a maximum of 100
 * options or option groups", api.slack.com/reference/interaction-payloads/block-suggestion), each
 * option as in a static select.
 */
export function validateOptionsResponse(body: unknown): string[] {
  const p = new Problems();
  if (!isObject(body)) {
    p.add('', 'must provide an object');
    return p.list;
  }
  checkStaticSelect(p, body, '');
  return p.list;
}
