// The sandbox page: a small Slack client over the fake Slack the real app talks to. What it shows is
// read from /sandbox/api/seen-by/<person>; what a person does is posted to /sandbox/api/act, which
// sends the app the signed request Slack would send. Server-sent events say when to look again.
import { renderMailbox } from './mail.js';
import { currentValue, h, mrkdwnNodes, plainOf, renderBlocks, statefulElements, textNodes } from './render.js';

/**
 * What the API answers is typed once, in ../wire.ts, for both sides.
 * @typedef {import('../wire.js').Json} Json
 * @typedef {import('../wire.js').ElementUse} ElementUse
 * @typedef {import('./render.js').RenderContext} RenderContext
 * @typedef {import('../wire.js').WirePerson} Person
 * @typedef {import('../wire.js').WireWorkspace} Workspace
 * @typedef {import('../wire.js').SeenMessage} Message
 * @typedef {import('../wire.js').SeenConversation} Conversation
 * @typedef {import('../wire.js').SeenBy} SeenBy
 * @typedef {import('../wire.js').DemoStatus} DemoStatus
 * @typedef {import('../wire.js').WireMailbox} Mailbox
 * @typedef {import('../wire.js').WireMail} Mail
 */

/** @param {string} selector */
function $(selector) {
  const found = document.querySelector(selector);
  if (!(found instanceof HTMLElement)) throw new Error(`the page has no ${selector}`);
  return found;
}

const api = {
  /** @param {string} path */
  async get(path) {
    const response = await fetch(`/sandbox/api${path}`, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  },
  /** Always JSON: the sandbox refuses anything else, which other web pages could make a browser send. @param {string} path @param {Json} [body] @returns {Promise<Json>} */
  async post(path, body = {}) {
    const response = await fetch(`/sandbox/api${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return response.json().catch(() => ({ ok: false, problem: `The sandbox answered HTTP ${response.status}.` }));
  },
};

const state = {
  /** @type {Workspace | null} */
  workspace: null,
  /** Who the page shows the workspace as. */
  as: '',
  /** The open conversation. */
  place: '',
  /** For the DM with the app: its Home tab or its Messages. */
  tab: /** @type {'messages' | 'home'} */ ('messages'),
  /** The thread open beside the conversation, by its parent's ts. */
  thread: /** @type {string | null} */ (null),
  /** @type {SeenBy | null} */
  seen: null,
  /** @type {DemoStatus | null} */
  demo: null,
  /** An email requester's mail, when the page shows one. @type {Mailbox | null} */
  mailbox: null,
  /** The message their open reply answers. @type {Mail | null} */
  replyingTo: null,
  /** What each person typed or chose in a view, by view id then field key: kept across re-renders as Slack keeps it. */
  forms: /** @type {Map<string, Map<string, unknown>>} */ (new Map()),
  /** Errors Slack's client shows before sending (a required field left empty), by view id. */
  localErrors: /** @type {Map<string, Record<string, string>>} */ (new Map()),
  /** A problem to show in the open modal ("We had some trouble connecting"). */
  modalProblem: '',
  /** What was drawn last, so an unchanged part is not redrawn under the person's cursor. */
  drawn: { sidebar: '', messages: '', thread: '', modal: '', home: '' },
};

const people = () =>
  new Map([
    ...(state.workspace?.people ?? []).map((person) => /** @type {[string, string]} */ ([person.id, person.name])),
    [state.workspace?.app.userId ?? '', state.workspace?.app.name ?? 'deskbolt'],
  ]);
const channels = () =>
  new Map(
    (state.workspace?.channels ?? []).map((channel) => /** @type {[string, string]} */ ([channel.id, channel.name])),
  );
const me = () => state.workspace?.people.find((person) => person.id === state.as);
const myDm = () => me()?.dm ?? '';

// ─── Talking to the sandbox ────────────────────────────────────────────────────────────────────

let refreshing = false;
let refreshAgain = false;

async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    do {
      refreshAgain = false;
      const as = state.as;
      if (me()?.email) {
        const mailbox = /** @type {Mailbox} */ (await api.get(`/mail/${encodeURIComponent(as)}`));
        if (as === state.as) {
          state.mailbox = mailbox;
          drawMail();
        } else {
          refreshAgain = true;
        }
        continue;
      }
      const seen = /** @type {SeenBy} */ (await api.get(`/seen-by/${encodeURIComponent(as)}`));
      if (as === state.as) {
        state.seen = seen;
        draw();
      } else {
        refreshAgain = true;
      }
    } while (refreshAgain);
  } catch (error) {
    notify(`The sandbox did not answer: ${/** @type {Error} */ (error).message}`);
  } finally {
    refreshing = false;
  }
}

/**
 * Does something as the person the page shows; a refusal is shown where they acted.
 * @param {Json} action
 * @param {(problem: string) => void} [onProblem]
 */
async function act(action, onProblem = notify) {
  document.body.dataset.busy = 'true';
  try {
    const outcome = await api.post('/act', { ...action, as: state.as });
    if (!outcome.ok) onProblem(String(outcome.problem ?? 'That did not work.'));
    return outcome.ok === true;
  } finally {
    delete document.body.dataset.busy;
    await refresh();
  }
}

/** @param {string} text */
function notify(text) {
  const notice = $('#notice');
  notice.textContent = text;
  notice.hidden = false;
  window.clearTimeout(Number(notice.dataset.timer ?? 0));
  notice.dataset.timer = String(
    window.setTimeout(() => {
      notice.hidden = true;
    }, 8000),
  );
}

// ─── Where the person is ───────────────────────────────────────────────────────────────────────

function saveLocation() {
  const params = new URLSearchParams({ as: state.as, in: state.place, tab: state.tab });
  if (state.thread) params.set('thread', state.thread);
  history.replaceState(null, '', `#${params}`);
}

/** @param {string} person @param {string} [place] @param {string | null} [thread] */
async function become(person, place, thread = null) {
  const changed = person !== state.as;
  state.as = person;
  state.place = place ?? state.place;
  state.thread = thread;
  if (changed) {
    state.drawn = { sidebar: '', messages: '', thread: '', modal: '', home: '' };
    state.modalProblem = '';
    state.tab = 'messages';
    state.mailbox = null;
    state.replyingTo = null;
  }
  /** @type {HTMLSelectElement} */ ($('#person')).value = person;
  saveLocation();
  await refresh();
}

/** @param {string} place */
async function open(place) {
  if (place !== state.place) state.tab = 'messages';
  state.place = place;
  state.thread = null;
  saveLocation();
  draw();
  if (place === myDm() && state.tab === 'home') await openHome();
  $('#composer-text').focus();
}

async function openHome() {
  state.tab = 'home';
  saveLocation();
  draw();
  // Slack sends app_home_opened every time the tab is opened; the app publishes the Home then.
  await act({ kind: 'openHome' });
}

// ─── Drawing ───────────────────────────────────────────────────────────────────────────────────

/** @returns {RenderContext} */
function renderContext(/** @type {Partial<RenderContext>} */ extra = {}) {
  const appUserId = state.workspace?.app.userId;
  return {
    people: people(),
    ...(appUserId ? { appUserId } : {}),
    channels: channels(),
    use: () => undefined,
    confirm: confirmDialog,
    ...extra,
  };
}

/** An email requester has no Slack: the page is their mail client instead. */
function drawMail() {
  const mailbox = state.mailbox;
  $('#mail').hidden = false;
  /** @type {HTMLElement} */ (document.querySelector('.workspace')).hidden = true;
  if (!mailbox) return;
  const signature = JSON.stringify([state.as, mailbox, state.replyingTo?.messageId ?? null]);
  if (signature === state.drawn.messages) return;
  state.drawn.messages = signature;
  $('#mail').replaceChildren(
    renderMailbox(mailbox, {
      replyingTo: state.replyingTo,
      onReply: (mail) => {
        state.replyingTo = mail;
        drawMail();
      },
      write: async (written) => {
        const outcome = await api.post('/mail', { ...written, as: state.as });
        if (!outcome.ok) {
          notify(String(outcome.problem ?? 'That did not go out.'));
          return false;
        }
        state.replyingTo = null;
        await refresh();
        return true;
      },
    }),
  );
}

function draw() {
  if (me()?.email) return drawMail();
  $('#mail').hidden = true;
  /** @type {HTMLElement} */ (document.querySelector('.workspace')).hidden = false;
  if (!state.workspace || !state.seen) return;
  const conversations = state.seen.conversations;
  if (!conversations.some((conversation) => conversation.id === state.place)) {
    state.place = conversations[0]?.id ?? myDm();
    state.thread = null;
    saveLocation();
  }
  drawSidebar();
  drawConversation();
  drawThread();
  drawModal();
}

function drawSidebar() {
  const seen = /** @type {SeenBy} */ (state.seen);
  const signature = JSON.stringify([state.as, state.place, seen.conversations.map((c) => [c.id, c.messages.length])]);
  if (signature === state.drawn.sidebar) return;
  state.drawn.sidebar = signature;
  /** @param {Conversation} conversation */
  const entry = (conversation) =>
    h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: `nav-item${conversation.id === state.place ? ' active' : ''}`,
          'data-conversation': conversation.id,
          onclick: () => open(conversation.id),
        },
        conversation.kind === 'dm' ? h('span', { class: 'app-dot' }, '●') : h('span', { class: 'hash' }, '#'),
        ` ${conversation.name}`,
      ),
    );
  $('#channels').replaceChildren(...seen.conversations.filter((c) => c.kind === 'channel').map(entry));
  $('#dms').replaceChildren(...seen.conversations.filter((c) => c.kind === 'dm').map(entry));
}

function currentConversation() {
  return state.seen?.conversations.find((conversation) => conversation.id === state.place);
}

function drawConversation() {
  const conversation = currentConversation();
  if (!conversation) return;
  const isAppDm = conversation.kind === 'dm';
  $('#conversation-title').textContent = isAppDm ? conversation.name : `#${conversation.name}`;
  $('#conversation-purpose').textContent = conversation.purpose;
  $('#tabs').hidden = !isAppDm;
  $('#tab-home').classList.toggle('active', isAppDm && state.tab === 'home');
  $('#tab-messages').classList.toggle('active', !isAppDm || state.tab === 'messages');
  const showHome = isAppDm && state.tab === 'home';
  $('#home').hidden = !showHome;
  $('#messages').hidden = showHome;
  $('#composer').hidden = showHome;
  /** @type {HTMLTextAreaElement} */ ($('#composer-text')).placeholder = isAppDm
    ? `Message ${conversation.name}`
    : `Message #${conversation.name}`;
  if (showHome) drawHome();
  else drawMessages(conversation);
}

/** @param {Conversation} conversation */
function drawMessages(conversation) {
  const topLevel = conversation.messages.filter(
    (message) => message.threadTs === undefined || message.threadTs === message.ts,
  );
  const signature = JSON.stringify([state.as, conversation.id, topLevel]);
  if (signature === state.drawn.messages) return;
  state.drawn.messages = signature;
  const list = $('#messages');
  const where = `${state.as}/${conversation.id}`;
  const stayAtBottom = list.dataset.where !== where || list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.dataset.where = where;
  if (topLevel.length === 0) {
    list.replaceChildren(emptyConversation(conversation));
  } else {
    list.replaceChildren(...topLevel.map((message) => messageNode(message, conversation, false)));
  }
  if (stayAtBottom) list.scrollTop = list.scrollHeight;
}

/** @param {Conversation} conversation */
function emptyConversation(conversation) {
  const person = me();
  const tips =
    conversation.kind === 'dm'
      ? person?.role === 'requester'
        ? [
            'Write a message here to start a chat with the support team,',
            'or type /ticket new My printer is on fire to file a ticket.',
          ]
        : ['Type /ticket help to see what you can do.', 'Open the Home tab for your tickets, chats and availability.']
      : conversation.appIsMember
        ? [
            'deskbolt posts here: new tickets, escalations and incoming chats.',
            'Type /ticket queue to see what is waiting.',
          ]
        : [
            'deskbolt is not a member of this channel; messages here reach no app.',
            'A message’s ⋮ menu still offers its shortcuts, like Create ticket.',
          ];
  return h(
    'div',
    { class: 'empty' },
    h(
      'h2',
      {},
      conversation.kind === 'dm'
        ? `This is your conversation with ${conversation.name}`
        : `This is the very beginning of #${conversation.name}`,
    ),
    ...tips.map((tip) => h('p', {}, tip)),
  );
}

/** @param {string} ts */
function timeOf(ts) {
  return new Date(Number(ts) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * @param {Message} message
 * @param {Conversation} conversation
 * @param {boolean} inThread
 */
function messageNode(message, conversation, inThread) {
  const context = renderContext({
    use: (use) =>
      void act({ kind: 'use', surface: { channel: conversation.id, ts: message.ts }, element: elementUse(use) }),
  });
  const content = message.deleted
    ? h('div', { class: 'deleted' }, 'This message was deleted.')
    : Array.isArray(message.blocks) && message.blocks.length > 0
      ? renderBlocks(message.blocks, context)
      : h('div', { class: 'text' }, ...mrkdwnNodes(message.text, context));
  const node = h(
    'div',
    { class: `message${message.ephemeral ? ' ephemeral' : ''}`, 'data-ts': message.ts, 'data-author': message.author },
    h(
      'div',
      { class: `avatar${message.fromApp ? ' app' : ''}`, 'aria-hidden': 'true' },
      message.author.charAt(0).toUpperCase(),
    ),
    h(
      'div',
      { class: 'message-body' },
      h(
        'div',
        { class: 'meta' },
        h('span', { class: 'author' }, message.author),
        message.fromApp ? h('span', { class: 'app-badge' }, 'APP') : null,
        h('span', { class: 'time' }, timeOf(message.ts)),
      ),
      message.ephemeral ? h('div', { class: 'only-you' }, '👁 Only visible to you') : null,
      content,
      ...(message.files ?? []).map((file) =>
        h(
          'div',
          { class: 'file' },
          `📎 ${file.name}`,
          h('span', { class: 'muted' }, ` ${fileSize(file.size)} · ${file.mimetype}`),
        ),
      ),
      ...(Array.isArray(message.attachments)
        ? message.attachments.map((attachment) => attachmentNode(attachment, context))
        : []),
      message.reactions.length > 0
        ? h(
            'div',
            { class: 'reactions' },
            ...message.reactions.map((name) => h('span', { class: 'reaction' }, ...mrkdwnNodes(`:${name}:`, context))),
          )
        : null,
      !inThread && message.replyCount > 0
        ? h(
            'button',
            { type: 'button', class: 'replies', onclick: () => openThread(message.ts) },
            `${message.replyCount} ${message.replyCount === 1 ? 'reply' : 'replies'}`,
          )
        : null,
    ),
  );
  if (!message.ephemeral && !message.deleted) node.append(messageMenu(message, conversation, inThread));
  return node;
}

/** @param {Json} attachment @param {RenderContext} context */
function attachmentNode(attachment, context) {
  const bar = h('div', { class: 'attachment' });
  if (typeof attachment.color === 'string' && /^#?[0-9a-f]{3,8}$/i.test(attachment.color)) {
    bar.style.borderLeftColor = attachment.color.startsWith('#') ? attachment.color : `#${attachment.color}`;
  }
  if (attachment.title) bar.append(h('b', {}, String(attachment.title)));
  if (Array.isArray(attachment.blocks)) bar.append(renderBlocks(attachment.blocks, context));
  else if (typeof attachment.text === 'string') bar.append(h('div', {}, ...mrkdwnNodes(attachment.text, context)));
  return bar;
}

/**
 * Hover actions: reply in thread, and the app's message shortcuts (the ⋮ menu in Slack).
 * @param {Message} message
 * @param {Conversation} conversation
 * @param {boolean} inThread
 */
function messageMenu(message, conversation, inThread) {
  const shortcuts = (state.workspace?.shortcuts ?? []).filter((shortcut) => shortcut.type === 'message');
  const menu = h(
    'div',
    { class: 'menu', role: 'menu', hidden: true },
    h('div', { class: 'menu-title' }, state.workspace?.app.name ?? 'deskbolt'),
    ...shortcuts.map((shortcut) =>
      h(
        'button',
        {
          type: 'button',
          role: 'menuitem',
          title: shortcut.description,
          onclick: () => {
            menu.hidden = true;
            void act({
              kind: 'messageShortcut',
              callbackId: shortcut.callbackId,
              channel: conversation.id,
              ts: message.ts,
            });
          },
        },
        shortcut.name,
      ),
    ),
  );
  return h(
    'div',
    { class: 'message-actions' },
    !inThread
      ? h(
          'button',
          {
            type: 'button',
            title: 'Reply in thread',
            'aria-label': 'Reply in thread',
            onclick: () => openThread(message.ts),
          },
          '💬',
        )
      : null,
    h(
      'button',
      {
        type: 'button',
        title: 'More actions',
        'aria-label': 'More actions',
        onclick: () => {
          menu.hidden = !menu.hidden;
        },
      },
      '⋮',
    ),
    menu,
  );
}

/** @param {string} ts */
function openThread(ts) {
  state.thread = ts;
  state.drawn.thread = '';
  saveLocation();
  drawThread();
  $('#thread-text').focus();
}

function drawThread() {
  const conversation = currentConversation();
  const pane = $('#thread');
  const parent = conversation?.messages.find((message) => message.ts === state.thread);
  if (!conversation || !parent || (conversation.kind === 'dm' && state.tab === 'home')) {
    pane.hidden = true;
    state.drawn.thread = '';
    return;
  }
  pane.hidden = false;
  const replies = conversation.messages.filter((message) => message.threadTs === parent.ts && message.ts !== parent.ts);
  const signature = JSON.stringify([state.as, conversation.id, parent, replies]);
  if (signature === state.drawn.thread) return;
  state.drawn.thread = signature;
  $('#thread-where').textContent = conversation.kind === 'dm' ? conversation.name : `#${conversation.name}`;
  const list = $('#thread-messages');
  list.replaceChildren(
    messageNode(parent, conversation, true),
    h('div', { class: 'thread-count' }, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
    ...replies.map((reply) => messageNode(reply, conversation, true)),
  );
  list.scrollTop = list.scrollHeight;
}

/** @param {string} viewId */
function formOf(viewId) {
  let form = state.forms.get(viewId);
  if (!form) {
    form = new Map();
    state.forms.set(viewId, form);
  }
  return form;
}

/** @param {ElementUse} use */
function elementUse(use) {
  return {
    actionId: use.actionId,
    ...(use.blockId === undefined ? {} : { blockId: use.blockId }),
    ...(use.value === undefined ? {} : { value: use.value }),
  };
}

/**
 * Answers of a view by action_id, as Slack reports them: every input block's element, and any other
 * element the person changed.
 * @param {Json} view
 */
function formValues(view) {
  const form = formOf(String(view.id));
  const context = renderContext({ form: formStateOf(form) });
  /** @type {Record<string, unknown>} */
  const values = {};
  for (const field of statefulElements(view.blocks ?? [])) {
    if (field.block.type !== 'input' && !form.has(field.key)) continue;
    values[field.actionId] = currentValue(field.element, field.key, context);
  }
  return values;
}

/** @param {Map<string, unknown>} form */
function formStateOf(form) {
  return {
    get: (/** @type {string} */ key) => form.get(key),
    has: (/** @type {string} */ key) => form.has(key),
    set: (/** @type {string} */ key, /** @type {unknown} */ value) => void form.set(key, value),
  };
}

function drawHome() {
  const home = state.seen?.home ?? null;
  const signature = JSON.stringify([state.as, home?.id, home?.hash]);
  if (signature === state.drawn.home) return;
  state.drawn.home = signature;
  const pane = $('#home');
  if (!home) {
    pane.replaceChildren(h('div', { class: 'empty' }, h('p', {}, 'Opening the Home tab…')));
    return;
  }
  const form = formOf(String(home.id));
  pane.replaceChildren(
    renderBlocks(
      home.blocks,
      renderContext({
        form: formStateOf(form),
        idPrefix: 'home',
        use: (use) =>
          void act({ kind: 'use', surface: { viewId: home.id }, element: elementUse(use), values: formValues(home) }),
      }),
    ),
  );
}

function drawModal() {
  const modals = state.seen?.modals ?? [];
  const top = modals.at(-1);
  const overlay = $('#modal');
  if (!top) {
    overlay.hidden = true;
    overlay.replaceChildren();
    state.drawn.modal = '';
    return;
  }
  const view = top.view;
  const errors = { ...top.errors, ...(state.localErrors.get(String(view.id)) ?? {}) };
  const signature = JSON.stringify([state.as, view.id, view.hash, errors, modals.length, state.modalProblem]);
  if (signature === state.drawn.modal) return;
  state.drawn.modal = signature;
  const form = formOf(String(view.id));
  const context = renderContext({
    form: formStateOf(form),
    errors,
    idPrefix: 'modal',
    use: (use) =>
      void act({ kind: 'use', surface: { viewId: view.id }, element: elementUse(use), values: formValues(view) }),
  });
  const close = () => void act({ kind: 'close', viewId: view.id });
  const dialog = h(
    'div',
    {
      class: 'modal',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-labelledby': 'modal-title',
      'data-callback-id': view.callback_id,
    },
    h(
      'header',
      {},
      modals.length > 1
        ? h('button', { type: 'button', class: 'modal-back', 'aria-label': 'Back', onclick: close }, '←')
        : null,
      h('h2', { id: 'modal-title' }, ...textNodes(view.title, context)),
      h('button', { type: 'button', class: 'modal-x', 'aria-label': 'Close', onclick: close }, '×'),
    ),
    state.modalProblem ? h('div', { class: 'modal-problem', role: 'alert' }, state.modalProblem) : null,
    h('div', { class: 'modal-body' }, renderBlocks(view.blocks, context)),
    h(
      'footer',
      {},
      h('button', { type: 'button', class: 'bk-button', onclick: close }, plainOf(view.close) || 'Cancel'),
      view.submit
        ? h(
            'button',
            { type: 'button', class: 'bk-button primary', 'data-submit': 'true', onclick: () => submit(view) },
            plainOf(view.submit),
          )
        : null,
    ),
  );
  overlay.replaceChildren(dialog);
  overlay.hidden = false;
}

/**
 * Slack's client checks required fields and lengths itself, then sends view_submission.
 * @param {Json} view
 */
async function submit(view) {
  const values = formValues(view);
  /** @type {Record<string, string>} */
  const errors = {};
  for (const field of statefulElements(view.blocks ?? [])) {
    if (field.block.type !== 'input') continue;
    const value = values[field.actionId];
    const empty = value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
    if (empty && field.block.optional !== true) errors[field.blockId] = 'Please complete this required field.';
    const min = field.element.min_length;
    if (!empty && typeof min === 'number' && typeof value === 'string' && value.length < min)
      errors[field.blockId] = `Must have at least ${min} characters`;
  }
  state.localErrors.set(String(view.id), errors);
  state.modalProblem = '';
  state.drawn.modal = '';
  if (Object.keys(errors).length > 0) return drawModal();
  await act({ kind: 'submit', viewId: view.id, values }, (problem) => {
    state.modalProblem = problem;
  });
}

// ─── Dialogs and the demo ──────────────────────────────────────────────────────────────────────

/**
 * A confirmation like Slack's (a button's confirm object, Reset, Play).
 * @param {Json} confirm
 * @returns {Promise<boolean>}
 */
function confirmDialog(confirm) {
  return new Promise((resolve) => {
    const overlay = $('#confirm');
    const context = renderContext();
    const done = (/** @type {boolean} */ answer) => {
      overlay.hidden = true;
      overlay.replaceChildren();
      resolve(answer);
    };
    overlay.replaceChildren(
      h(
        'div',
        { class: 'modal confirm', role: 'alertdialog', 'aria-modal': 'true' },
        h('header', {}, h('h2', {}, ...textNodes(confirm.title, context))),
        h('div', { class: 'modal-body' }, ...textNodes(confirm.text, context)),
        h(
          'footer',
          {},
          h(
            'button',
            { type: 'button', class: 'bk-button', onclick: () => done(false) },
            plainOf(confirm.deny) || 'Cancel',
          ),
          h(
            'button',
            {
              type: 'button',
              class: `bk-button ${confirm.style === 'danger' ? 'danger' : 'primary'}`,
              'data-confirm': 'true',
              onclick: () => done(true),
            },
            plainOf(confirm.confirm) || 'Yes',
          ),
        ),
      ),
    );
    overlay.hidden = false;
  });
}

/** @param {string} title @param {string} text @param {string} yes */
const plainConfirm = (title, text, yes) =>
  confirmDialog({
    title: { type: 'plain_text', text: title },
    text: { type: 'plain_text', text },
    confirm: { type: 'plain_text', text: yes },
    style: 'danger',
  });

/** @param {DemoStatus} status */
function drawDemo(status) {
  const previous = state.demo;
  state.demo = status;
  const bar = $('#demo-bar');
  const finished = !status.playing && status.total > 0 && status.done === status.total;
  bar.hidden = !status.playing && !status.problem && !finished;
  $('#demo-step').textContent = status.problem
    ? status.problem
    : finished
      ? `The demo is over (${status.total} steps). Look around as anyone, or Reset to start from an empty desk.`
      : `Step ${status.done + 1} of ${status.total}: ${status.next?.title ?? ''}`;
  $('#demo-last').textContent = status.last ? `Just now: ${status.last.title}` : '';
  /** @type {HTMLButtonElement} */ ($('#demo-next')).hidden = !status.playing;
  /** @type {HTMLButtonElement} */ ($('#demo-next')).disabled = status.running;
  /** @type {HTMLButtonElement} */ ($('#demo-stop')).textContent = status.playing ? 'Stop' : 'Close';
  // Follow the story as it is played: the last step through the eyes of whoever acted, where it happened.
  if (previous && status.last && status.done !== previous.done)
    void become(status.last.actor, status.last.place.channel, status.last.place.threadTs ?? null);
}

async function playDemo() {
  const ok = await plainConfirm(
    'Play the demo',
    'The demo starts from an empty desk: every ticket, chat and message here now is dropped. Then it plays a support morning, one step per click.',
    'Empty the desk and play',
  );
  if (!ok) return;
  drawDemo(/** @type {DemoStatus} */ (await api.post('/demo/start')));
}

async function reset() {
  const ok = await plainConfirm(
    'Reset the sandbox',
    'Drop every ticket and chat, and empty every channel, DM, modal and Home?',
    'Reset',
  );
  if (!ok) return;
  await api.post('/reset');
  state.forms.clear();
  state.localErrors.clear();
  drawDemo(/** @type {DemoStatus} */ (await api.get('/demo')));
  await refresh();
}

// ─── The composers ─────────────────────────────────────────────────────────────────────────────

/**
 * Enter sends, Shift+Enter breaks the line; a leading / makes it a slash command, as in Slack.
 * @param {HTMLTextAreaElement} input
 * @param {() => string | null} thread
 */
function composer(input, thread) {
  const send = async () => {
    const text = input.value.trim();
    if (text === '') return;
    const conversation = state.place;
    const action = text.startsWith('/')
      ? { kind: 'command', channel: conversation, text }
      : { kind: 'message', channel: conversation, text: input.value, ...(thread() ? { threadTs: thread() } : {}) };
    input.value = '';
    hintCommand(input);
    const ok = await act(action, (problem) => {
      input.value = text;
      notify(problem);
    });
    if (ok) input.focus();
  };
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  });
  input.addEventListener('input', () => hintCommand(input));
  return send;
}

/** @param {number} bytes */
function fileSize(bytes) {
  return bytes < 1024
    ? `${bytes} B`
    : bytes < 1024 * 1024
      ? `${(bytes / 1024).toFixed(1)} KB`
      : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * Shares the picked file where the composer writes, with the words typed so far: as a person does in
 * Slack, so a requester can attach a screenshot in their ticket's thread.
 * @param {HTMLInputElement} picker
 * @param {HTMLTextAreaElement} input
 * @param {() => string | null} thread
 */
function filePicker(picker, input, thread) {
  picker.addEventListener('change', async () => {
    const file = picker.files?.[0];
    picker.value = '';
    if (!file) return;
    // The sandbox's JSON body is capped at 1 MB: base64 makes a file a third larger.
    if (file.size > 700 * 1024)
      return notify(`${file.name} is ${fileSize(file.size)}; the sandbox takes files up to 700 KB.`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    let binary = '';
    for (let at = 0; at < bytes.length; at += 0x8000) binary += String.fromCharCode(...bytes.subarray(at, at + 0x8000));
    const text = input.value;
    input.value = '';
    const ok = await act({
      kind: 'shareFile',
      channel: state.place,
      name: file.name,
      contentBase64: btoa(binary),
      text,
      ...(thread() ? { threadTs: thread() } : {}),
    });
    if (!ok) input.value = text;
  });
}

/** @param {HTMLTextAreaElement} input */
function hintCommand(input) {
  const hint = $('#command-hint');
  const typed = input.value.trim().split(/\s/)[0] ?? '';
  const matches =
    input.id === 'composer-text' && typed.startsWith('/')
      ? (state.workspace?.commands ?? []).filter((command) => command.command.startsWith(typed))
      : [];
  hint.hidden = matches.length === 0;
  hint.replaceChildren(
    ...matches.map((command) =>
      h(
        'div',
        {},
        h('b', {}, command.command),
        ` ${command.usageHint}`,
        h('div', { class: 'muted' }, command.description),
      ),
    ),
  );
}

function shortcutsMenu() {
  const menu = $('#shortcuts-menu');
  const shortcuts = (state.workspace?.shortcuts ?? []).filter((shortcut) => shortcut.type === 'global');
  menu.replaceChildren(
    h('div', { class: 'menu-title' }, state.workspace?.app.name ?? 'deskbolt'),
    ...shortcuts.map((shortcut) =>
      h(
        'button',
        {
          type: 'button',
          role: 'menuitem',
          title: shortcut.description,
          onclick: () => {
            menu.hidden = true;
            void act({ kind: 'globalShortcut', callbackId: shortcut.callbackId });
          },
        },
        shortcut.name,
      ),
    ),
  );
  menu.hidden = !menu.hidden;
}

// ─── Start ─────────────────────────────────────────────────────────────────────────────────────

async function start() {
  const workspace = /** @type {Workspace} */ (await api.get('/workspace'));
  state.workspace = workspace;
  document.title = `${workspace.name} — deskbolt sandbox`;
  $('#workspace-name').textContent = workspace.name;
  const picker = /** @type {HTMLSelectElement} */ ($('#person'));
  const team = workspace.people.filter((person) => person.role !== 'requester');
  const requesters = workspace.people.filter((person) => person.role === 'requester');
  picker.replaceChildren(
    h(
      'optgroup',
      { label: 'Support team' },
      ...team.map((person) => h('option', { value: person.id }, `${person.name} — ${person.title}`)),
    ),
    h(
      'optgroup',
      { label: 'People who ask for help' },
      ...requesters.map((person) => h('option', { value: person.id }, `${person.name} — ${person.title}`)),
    ),
  );
  picker.addEventListener('change', () => void become(picker.value, undefined, null));

  const sendMain = composer(/** @type {HTMLTextAreaElement} */ ($('#composer-text')), () => null);
  const sendThread = composer(/** @type {HTMLTextAreaElement} */ ($('#thread-text')), () => state.thread);
  $('#composer-send').addEventListener('click', () => void sendMain());
  filePicker(
    /** @type {HTMLInputElement} */ ($('#composer-file')),
    /** @type {HTMLTextAreaElement} */ ($('#composer-text')),
    () => null,
  );
  filePicker(
    /** @type {HTMLInputElement} */ ($('#thread-file')),
    /** @type {HTMLTextAreaElement} */ ($('#thread-text')),
    () => state.thread,
  );
  $('#thread-send').addEventListener('click', () => void sendThread());
  $('#shortcuts').addEventListener('click', shortcutsMenu);
  $('#thread-close').addEventListener('click', () => {
    state.thread = null;
    saveLocation();
    drawThread();
  });
  $('#tab-home').addEventListener('click', () => void openHome());
  $('#tab-messages').addEventListener('click', () => {
    state.tab = 'messages';
    saveLocation();
    draw();
  });
  $('#play').addEventListener('click', () => void playDemo());
  $('#reset').addEventListener('click', () => void reset());
  $('#demo-next').addEventListener('click', async () =>
    drawDemo(/** @type {DemoStatus} */ (await api.post('/demo/next'))),
  );
  $('#demo-stop').addEventListener('click', async () =>
    drawDemo(/** @type {DemoStatus} */ (await api.post('/demo/stop'))),
  );

  const saved = new URLSearchParams(location.hash.slice(1));
  const wanted = saved.get('as') ?? '';
  const person = workspace.people.find((candidate) => candidate.id === wanted) ?? workspace.people[0];
  await become(person?.id ?? '', saved.get('in') ?? person?.dm ?? '', saved.get('thread'));
  if (state.place === myDm() && saved.get('tab') === 'home') await openHome();

  const changes = new EventSource('/sandbox/api/changes');
  changes.addEventListener('change', () => void refresh());
  changes.addEventListener('demo', (event) => drawDemo(JSON.parse(/** @type {MessageEvent} */ (event).data)));
  drawDemo(/** @type {DemoStatus} */ (await api.get('/demo')));
  document.body.dataset.ready = 'true';
}

void start();
