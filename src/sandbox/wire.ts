/**
 * What the sandbox page and its API (routes.ts) say to each other as JSON, written once: the server's
 * modules build these types, and the page (plain JavaScript, checked by tsc from JSDoc) imports them
 * with `@typedef {import('../wire.js').SeenBy}`. Types only, and nothing imported: the page's own
 * tsconfig has no Node types, and nothing of this file is ever loaded by the browser.
 */

export type Json = Record<string, any>;

/** GET /sandbox/api/workspace: who and what the page can show. */
export interface WireWorkspace {
  name: string;
  app: { userId: string; name: string };
  people: WirePerson[];
  channels: { id: string; name: string; purpose: string; appIsMember: boolean }[];
  /** What Slack's client offers a person for this app, read from manifest.yml. */
  commands: { command: string; description: string; usageHint: string }[];
  shortcuts: { name: string; type: 'message' | 'global'; callbackId: string; description: string }[];
}

export interface WirePerson {
  id: string;
  name: string;
  role: string;
  title: string;
  /** Their DM with the app. */
  dm: string;
  /** An email requester's address: the page shows them a mail client instead of Slack. */
  email?: string;
}

/** A message of an email requester's mail client, parsed back from the MIME that was written or sent. */
export interface WireMail {
  /** `sent`: the requester wrote it to support; `inbox`: the desk sent it to them. */
  box: 'sent' | 'inbox';
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  from: { name: string; address: string };
  to: string;
  subject: string;
  date: string;
  text: string;
  /** Auto-Submitted, on what the desk sent by itself (the survey, the closing note). */
  autoSubmitted: string | null;
}

/** GET /sandbox/api/mail/:user: an email requester's mailbox and where support is. */
export interface WireMailbox {
  address: string;
  support: string;
  messages: WireMail[];
}

/** A message as one person's client shows it. */
export interface SeenMessage {
  ts: string;
  user: string;
  author: string;
  fromApp: boolean;
  text: string;
  blocks?: Json[];
  attachments?: Json[];
  /** Set on thread replies (and on a parent, its own ts). */
  threadTs?: string;
  /** Replies in its thread, for a parent message. */
  replyCount: number;
  reactions: string[];
  /** Only this person sees it ("Only visible to you"). */
  ephemeral: boolean;
  /** A deleted parent stays as "This message was deleted." while its thread has replies. */
  deleted: boolean;
  /** Files shared with it, as Slack's client lists them. */
  files?: { name: string; size: number; mimetype: string }[];
}

export interface SeenConversation {
  id: string;
  name: string;
  kind: 'channel' | 'dm';
  purpose: string;
  appIsMember: boolean;
  messages: SeenMessage[];
}

/** GET /sandbox/api/seen-by/:user: everything that person would see in Slack now. */
export interface SeenBy {
  user: string;
  conversations: SeenConversation[];
  /** Their open modal, bottom view first, with the errors the app answered its last submission with. */
  modals: { view: Json; errors: Record<string, string> }[];
  /** Their Home tab as the app last published it. */
  home: Json | null;
}

/** Where a scripted step happened: the page follows it there. */
export interface Place {
  channel: string;
  threadTs?: string;
}

/** GET /sandbox/api/demo (and the `demo` server-sent event): where "Play the demo" is. */
export interface DemoStatus {
  playing: boolean;
  /** Steps played so far, of `total`. */
  done: number;
  total: number;
  running: boolean;
  last?: { title: string; actor: string; place: Place };
  next?: { title: string; actor: string };
  problem?: string;
}

/**
 * An element a person used: found on the surface by action_id (and block_id when given); for a
 * button, `value` tells apart buttons that share an action_id. For selects, radios, checkboxes, pickers
 * and text inputs, `value` is what the person chose or typed (option values, a user id, a date).
 */
export interface ElementUse {
  actionId: string;
  blockId?: string | undefined;
  value?: string | string[] | null | undefined;
}

/** POST /sandbox/api/act: whether Slack's client would have done it; `problem` is what the person is shown when not. */
export type Outcome = { ok: true } | { ok: false; problem: string };
