// Block Kit and mrkdwn as DOM nodes. Every string from Slack (so from the app, so from people) goes
// into the page through textContent, text nodes or checked attributes: never as HTML.
import { EMOJI, parseMrkdwn, parsePlainText } from './mrkdwn.js';

/**
 * @typedef {Record<string, any>} Json
 * @typedef {import('./mrkdwn.js').Token} Token
 * @typedef {import('../wire.js').ElementUse} ElementUse
 * @typedef {{
 *   get(key: string): unknown,
 *   has(key: string): boolean,
 *   set(key: string, value: unknown): void,
 * }} FormState
 * @typedef {{
 *   people: Map<string, string>,
 *   appUserId?: string,
 *   channels: Map<string, string>,
 *   use: (use: ElementUse, element: Json) => void,
 *   confirm: (confirm: Json) => Promise<boolean>,
 *   form?: FormState,
 *   errors?: Record<string, string>,
 *   idPrefix?: string,
 * }} RenderContext
 */

/**
 * An element with text children; attributes are set one by one, never parsed.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | boolean | undefined | ((event: any) => void)>} [props]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (name === 'class') element.className = String(value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

/** @param {string} href */
export function safeHref(href) {
  return /^(https?:\/\/|mailto:)/i.test(href) ? href : undefined;
}

/**
 * @param {Token[]} tokens
 * @param {RenderContext} context
 * @returns {Node[]}
 */
export function tokenNodes(tokens, context) {
  return tokens.map((token) => {
    switch (token.type) {
      case 'text':
        return document.createTextNode(token.text);
      case 'bold':
        return h('b', {}, ...tokenNodes(token.children, context));
      case 'italic':
        return h('i', {}, ...tokenNodes(token.children, context));
      case 'strike':
        return h('s', {}, ...tokenNodes(token.children, context));
      case 'code':
        return h('code', {}, token.text);
      case 'pre':
        return h('pre', {}, token.text);
      case 'quote':
        return h('blockquote', {}, ...tokenNodes(token.children, context));
      case 'link': {
        const href = safeHref(token.href);
        return href
          ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, ...tokenNodes(token.children, context))
          : h('span', {}, ...tokenNodes(token.children, context));
      }
      case 'user':
        return h(
          'span',
          { class: 'mention', 'data-user': token.id },
          `@${context.people.get(token.id) ?? token.label ?? token.id}`,
        );
      case 'channel':
        return h(
          'span',
          { class: 'mention', 'data-channel': token.id },
          `#${context.channels.get(token.id) ?? token.label ?? token.id}`,
        );
      case 'special':
        return h('span', { class: 'mention special' }, token.label);
      case 'emoji':
        return h('span', { class: 'emoji', title: `:${token.name}:` }, EMOJI[token.name] ?? `:${token.name}:`);
      case 'br':
        return h('br');
    }
    return document.createTextNode('');
  });
}

/**
 * @param {string} text
 * @param {RenderContext} context
 */
export function mrkdwnNodes(text, context) {
  return tokenNodes(parseMrkdwn(text), context);
}

/**
 * A text object (mrkdwn or plain_text) as nodes.
 * @param {Json | undefined} text
 * @param {RenderContext} context
 * @returns {Node[]}
 */
export function textNodes(text, context) {
  if (!text || typeof text.text !== 'string') return [];
  if (text.type === 'mrkdwn') return mrkdwnNodes(text.text, context);
  return tokenNodes(parsePlainText(text.text, text.emoji !== false), context);
}

/** @param {Json | undefined} text */
export function plainOf(text) {
  return text && typeof text.text === 'string' ? text.text : '';
}

let uniqueId = 0;
const nextId = (/** @type {RenderContext} */ context) => `${context.idPrefix ?? 'bk'}-${++uniqueId}`;

/** @param {Json} element */
function optionsOf(element) {
  if (Array.isArray(element.options)) return /** @type {Json[]} */ (element.options);
  if (Array.isArray(element.option_groups))
    return /** @type {Json[]} */ (element.option_groups.flatMap((/** @type {Json} */ group) => group.options ?? []));
  return [];
}

/** The key a form value is kept under: Slack keeps what a person entered while block_id and action_id stay. */
export function fieldKey(/** @type {string} */ blockId, /** @type {string} */ actionId) {
  return `${blockId}::${actionId}`;
}

/**
 * The element's value now: what the person chose, else what the app set as initial.
 * @param {Json} element
 * @param {string} key
 * @param {RenderContext} context
 * @returns {unknown}
 */
export function currentValue(element, key, context) {
  if (context.form?.has(key)) return context.form.get(key);
  switch (element.type) {
    case 'static_select':
    case 'radio_buttons':
      return element.initial_option?.value ?? null;
    case 'multi_static_select':
    case 'checkboxes':
      return (element.initial_options ?? []).map((/** @type {Json} */ option) => option.value);
    case 'users_select':
      return element.initial_user ?? null;
    case 'multi_users_select':
      return element.initial_users ?? [];
    case 'conversations_select':
      return element.initial_conversation ?? null;
    case 'channels_select':
      return element.initial_channel ?? null;
    case 'datepicker':
      return element.initial_date ?? null;
    case 'timepicker':
      return element.initial_time ?? null;
    default:
      return element.initial_value ?? null;
  }
}

/**
 * One interactive element.
 * @param {Json} element
 * @param {{ blockId: string | undefined, key: string, inInput: boolean, dispatch: boolean, labelId?: string }} where
 * @param {RenderContext} context
 * @returns {HTMLElement}
 */
function elementNode(element, where, context) {
  const use = (/** @type {ElementUse['value']} */ value) =>
    context.use({ blockId: where.blockId, actionId: element.action_id, value }, element);
  /** Inside an input block the value waits for Submit, unless the block dispatches it; elsewhere it is sent at once. */
  const chosen = (/** @type {ElementUse['value']} */ value) => {
    context.form?.set(where.key, value);
    if (!where.inInput || where.dispatch) use(value);
  };
  const id = where.labelId;
  switch (element.type) {
    case 'button': {
      const url = typeof element.url === 'string' ? safeHref(element.url) : undefined;
      return h(
        'button',
        {
          type: 'button',
          class: `bk-button${element.style ? ` ${element.style}` : ''}`,
          'data-action-id': element.action_id,
          onclick: async () => {
            if (element.confirm && !(await context.confirm(element.confirm))) return;
            if (url) window.open(url, '_blank', 'noopener,noreferrer');
            use(element.value ?? null);
          },
        },
        ...textNodes(element.text, context),
      );
    }
    case 'static_select':
    case 'external_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'multi_static_select':
    case 'multi_users_select': {
      const multiple = element.type.startsWith('multi_');
      const select = h('select', { class: 'bk-select', id, multiple, 'data-action-id': element.action_id });
      if (!multiple) select.append(h('option', { value: '' }, plainOf(element.placeholder) || 'Select an option'));
      /** @param {Json} option */
      const optionNode = (option) => h('option', { value: String(option.value ?? '') }, plainOf(option.text));
      if (element.type === 'users_select' || element.type === 'multi_users_select') {
        const people = [...context.people]
          .filter(([userId]) => userId !== context.appUserId)
          .sort((a, b) => a[1].localeCompare(b[1]));
        for (const [userId, name] of people) select.append(h('option', { value: userId }, name));
      } else if (element.type === 'conversations_select' || element.type === 'channels_select') {
        for (const [channelId, name] of context.channels) select.append(h('option', { value: channelId }, `#${name}`));
      } else if (Array.isArray(element.option_groups)) {
        for (const group of element.option_groups)
          select.append(h('optgroup', { label: plainOf(group.label) }, ...(group.options ?? []).map(optionNode)));
      } else {
        for (const option of element.options ?? []) select.append(optionNode(option));
      }
      const value = currentValue(element, where.key, context);
      const wanted = new Set(Array.isArray(value) ? value.map(String) : value == null ? [''] : [String(value)]);
      for (const option of select.options) option.selected = wanted.has(option.value);
      select.addEventListener('change', () => {
        if (multiple) chosen([...select.selectedOptions].map((option) => option.value));
        else chosen(select.value === '' ? null : select.value);
      });
      return select;
    }
    case 'overflow': {
      const menu = h('div', { class: 'bk-overflow-menu', role: 'menu', hidden: true });
      for (const option of optionsOf(element)) {
        menu.append(
          h(
            'button',
            {
              type: 'button',
              role: 'menuitem',
              onclick: () => {
                menu.hidden = true;
                use(option.value);
              },
            },
            plainOf(option.text),
          ),
        );
      }
      const toggle = h(
        'button',
        {
          type: 'button',
          class: 'bk-button bk-overflow',
          'aria-label': 'More options',
          'data-action-id': element.action_id,
          onclick: () => {
            menu.hidden = !menu.hidden;
          },
        },
        '⋯',
      );
      return h('span', { class: 'bk-overflow-wrap' }, toggle, menu);
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const radio = element.type === 'radio_buttons';
      const name = nextId(context);
      const value = currentValue(element, where.key, context);
      const checked = new Set(Array.isArray(value) ? value.map(String) : value == null ? [] : [String(value)]);
      const group = h('div', {
        class: 'bk-choices',
        role: radio ? 'radiogroup' : 'group',
        id,
        'data-action-id': element.action_id,
      });
      for (const option of element.options ?? []) {
        const input = h('input', { type: radio ? 'radio' : 'checkbox', name, value: String(option.value) });
        input.checked = checked.has(String(option.value));
        input.addEventListener('change', () => {
          const inputs = /** @type {HTMLInputElement[]} */ ([...group.querySelectorAll('input')]);
          if (radio) chosen(input.value);
          else chosen(inputs.filter((candidate) => candidate.checked).map((candidate) => candidate.value));
        });
        group.append(
          h(
            'label',
            { class: 'bk-choice' },
            input,
            h('span', {}, ...textNodes(option.text, context)),
            option.description ? h('small', {}, ...textNodes(option.description, context)) : null,
          ),
        );
      }
      return group;
    }
    case 'datepicker':
    case 'timepicker': {
      const input = h('input', {
        type: element.type === 'datepicker' ? 'date' : 'time',
        class: 'bk-text',
        id,
        'data-action-id': element.action_id,
      });
      const value = currentValue(element, where.key, context);
      input.value = typeof value === 'string' ? value : '';
      input.addEventListener('change', () => chosen(input.value === '' ? null : input.value));
      return input;
    }
    case 'plain_text_input':
    case 'email_text_input':
    case 'url_text_input':
    case 'number_input': {
      const multiline = element.type === 'plain_text_input' && element.multiline === true;
      const type =
        { email_text_input: 'email', url_text_input: 'url', number_input: 'number' }[
          /** @type {string} */ (element.type)
        ] ?? 'text';
      const input = multiline
        ? h('textarea', { class: 'bk-text', id, rows: 4, 'data-action-id': element.action_id })
        : h('input', { type, class: 'bk-text', id, 'data-action-id': element.action_id });
      if (element.placeholder) input.placeholder = plainOf(element.placeholder);
      if (typeof element.max_length === 'number') input.maxLength = element.max_length;
      const value = currentValue(element, where.key, context);
      input.value = typeof value === 'string' ? value : '';
      input.addEventListener('input', () => context.form?.set(where.key, input.value === '' ? null : input.value));
      const triggers = element.dispatch_action_config?.trigger_actions_on ?? ['on_enter_pressed'];
      if (where.dispatch && triggers.includes('on_enter_pressed')) {
        input.addEventListener('keydown', (event) => {
          const key = /** @type {KeyboardEvent} */ (event);
          if (key.key !== 'Enter' || (multiline && !key.metaKey && !key.ctrlKey)) return;
          event.preventDefault();
          use(input.value === '' ? null : input.value);
        });
      }
      return input;
    }
    case 'image':
      return imageLink(element.image_url, element.alt_text);
    default:
      return h('span', { class: 'bk-unsupported' }, `[${String(element.type)}]`);
  }
}

/**
 * Images are shown as links to them: the sandbox has no network to fetch them through.
 * @param {unknown} url
 * @param {unknown} alt
 */
function imageLink(url, alt) {
  const href = typeof url === 'string' ? safeHref(url) : undefined;
  const label = `🖼 ${typeof alt === 'string' && alt !== '' ? alt : 'image'}`;
  return href
    ? h('a', { class: 'bk-image', href, target: '_blank', rel: 'noopener noreferrer' }, label)
    : h('span', { class: 'bk-image' }, label);
}

const STATEFUL = new Set([
  'plain_text_input',
  'email_text_input',
  'url_text_input',
  'number_input',
  'static_select',
  'external_select',
  'users_select',
  'conversations_select',
  'channels_select',
  'multi_static_select',
  'multi_users_select',
  'radio_buttons',
  'checkboxes',
  'datepicker',
  'timepicker',
]);

/** @param {Json} block */
export function elementsOf(block) {
  if (block.type === 'actions' && Array.isArray(block.elements)) return /** @type {Json[]} */ (block.elements);
  if (block.type === 'section' && block.accessory) return [/** @type {Json} */ (block.accessory)];
  if (block.type === 'input' && block.element) return [/** @type {Json} */ (block.element)];
  return [];
}

/**
 * Every stateful element of a view with the key its value is kept under and the action_id Slack reports
 * (Slack names an unnamed one; any stable name will do, as the request simulator does).
 * @param {Json[]} blocks
 */
export function statefulElements(blocks) {
  /** @type {{ block: Json, element: Json, blockId: string, actionId: string, key: string }[]} */
  const found = [];
  blocks.forEach((block, i) => {
    elementsOf(block).forEach((element, j) => {
      if (!STATEFUL.has(element.type)) return;
      const blockId = String(block.block_id ?? `block_${i}`);
      const actionId = String(element.action_id ?? `action_${i}_${j}`);
      found.push({ block, element, blockId, actionId, key: fieldKey(blockId, actionId) });
    });
  });
  return found;
}

/**
 * Where an element sits: the block_id the app gave (sent back with a click, so the app can tell blocks
 * apart) and the key its value is kept under (Slack names blocks the app left unnamed).
 * @param {Json} block @param {Json} element @param {number} i @param {number} j
 */
function where(block, element, i, j) {
  const blockId = typeof block.block_id === 'string' ? block.block_id : undefined;
  return { blockId, key: fieldKey(blockId ?? `block_${i}`, String(element.action_id ?? `action_${i}_${j}`)) };
}

/**
 * A surface's blocks (a message, a modal, a Home) as DOM.
 * @param {unknown} blocks
 * @param {RenderContext} context
 * @returns {HTMLElement}
 */
export function renderBlocks(blocks, context) {
  const root = h('div', { class: 'blocks' });
  if (!Array.isArray(blocks)) return root;
  blocks.forEach((/** @type {Json} */ block, i) => {
    const blockId = String(block.block_id ?? `block_${i}`);
    switch (block.type) {
      case 'header':
        root.append(h('h3', { class: 'bk-header' }, ...textNodes(block.text, context)));
        break;
      case 'divider':
        root.append(h('hr', { class: 'bk-divider' }));
        break;
      case 'section': {
        const section = h('div', { class: 'bk-section', 'data-block-id': block.block_id });
        const main = h('div', { class: 'bk-section-main' });
        if (block.text) main.append(h('div', { class: 'bk-text-block' }, ...textNodes(block.text, context)));
        if (Array.isArray(block.fields))
          main.append(
            h(
              'div',
              { class: 'bk-fields' },
              ...block.fields.map((/** @type {Json} */ field) =>
                h('div', { class: 'bk-field' }, ...textNodes(field, context)),
              ),
            ),
          );
        section.append(main);
        if (block.accessory) {
          section.append(
            h(
              'div',
              { class: 'bk-accessory' },
              elementNode(
                block.accessory,
                { ...where(block, block.accessory, i, 0), inInput: false, dispatch: false },
                context,
              ),
            ),
          );
        }
        root.append(section);
        break;
      }
      case 'context':
        root.append(
          h(
            'div',
            { class: 'bk-context' },
            ...(block.elements ?? []).map((/** @type {Json} */ item) =>
              item.type === 'image'
                ? imageLink(item.image_url, item.alt_text)
                : h('span', {}, ...textNodes(item, context)),
            ),
          ),
        );
        break;
      case 'actions':
        root.append(
          h(
            'div',
            { class: 'bk-actions', 'data-block-id': block.block_id },
            ...(block.elements ?? []).map((/** @type {Json} */ element, /** @type {number} */ j) =>
              elementNode(element, { ...where(block, element, i, j), inInput: false, dispatch: false }, context),
            ),
          ),
        );
        break;
      case 'input': {
        const labelId = nextId(context);
        const error = context.errors?.[blockId];
        const wrapper = h(
          'div',
          { class: `bk-input${error ? ' has-error' : ''}`, 'data-block-id': block.block_id },
          h(
            'label',
            { class: 'bk-label', for: labelId },
            plainOf(block.label),
            block.optional ? h('span', { class: 'bk-optional' }, ' (optional)') : null,
          ),
          elementNode(
            block.element ?? {},
            {
              ...where(block, block.element ?? {}, i, 0),
              inInput: true,
              dispatch: block.dispatch_action === true,
              labelId,
            },
            context,
          ),
        );
        if (block.hint) wrapper.append(h('div', { class: 'bk-hint' }, ...textNodes(block.hint, context)));
        if (error) wrapper.append(h('div', { class: 'bk-error', role: 'alert' }, error));
        root.append(wrapper);
        break;
      }
      case 'image':
        root.append(
          h('div', { class: 'bk-image-block' }, imageLink(block.image_url, plainOf(block.title) || block.alt_text)),
        );
        break;
      case 'rich_text':
        root.append(richText(block, context));
        break;
      default:
        root.append(h('div', { class: 'bk-unsupported' }, `[${String(block.type)} block]`));
    }
  });
  return root;
}

/**
 * The rich_text block Slack's composer makes: sections, lists, quotes and preformatted runs.
 * @param {Json} block
 * @param {RenderContext} context
 */
function richText(block, context) {
  /** @param {Json} item @returns {Node} */
  const inline = (item) => {
    switch (item.type) {
      case 'text': {
        const text = document.createTextNode(String(item.text ?? ''));
        const style = item.style ?? {};
        /** @type {Node} */
        let node = style.code ? h('code', {}, text) : text;
        if (style.bold) node = h('b', {}, node);
        if (style.italic) node = h('i', {}, node);
        if (style.strike) node = h('s', {}, node);
        return node;
      }
      case 'link': {
        const href = safeHref(String(item.url ?? ''));
        return href
          ? h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, String(item.text ?? item.url))
          : document.createTextNode(String(item.text ?? ''));
      }
      case 'user':
        return h('span', { class: 'mention' }, `@${context.people.get(item.user_id) ?? item.user_id}`);
      case 'channel':
        return h('span', { class: 'mention' }, `#${context.channels.get(item.channel_id) ?? item.channel_id}`);
      case 'emoji':
        return h('span', { class: 'emoji' }, EMOJI[item.name] ?? `:${item.name}:`);
      case 'broadcast':
        return h('span', { class: 'mention special' }, `@${item.range}`);
      default:
        return document.createTextNode('');
    }
  };
  /** @param {Json} container @returns {Node[]} */
  const part = (container) =>
    (container.elements ?? []).map((/** @type {Json} */ item) =>
      item.type?.startsWith('rich_text') ? partNode(item) : inline(item),
    );
  /** @param {Json} item @returns {Node} */
  const partNode = (item) => {
    switch (item.type) {
      case 'rich_text_list':
        return h(
          item.style === 'ordered' ? 'ol' : 'ul',
          {},
          ...(item.elements ?? []).map((/** @type {Json} */ entry) => h('li', {}, ...part(entry))),
        );
      case 'rich_text_quote':
        return h('blockquote', {}, ...part(item));
      case 'rich_text_preformatted':
        return h('pre', {}, ...part(item));
      default:
        return h('div', { class: 'bk-rich-section' }, ...part(item));
    }
  };
  return h('div', { class: 'bk-rich-text' }, ...(block.elements ?? []).map(partNode));
}
