import type { Collection } from 'mongodb';
import type { Connection, Model } from 'mongoose';
import { Schema } from 'mongoose';
import type { TransferTarget } from '../chats/types.js';
import type { Ticket, TicketStatus } from '../tickets/types.js';
import { isDuplicateKey } from './documents.js';

/**
 * The App Home's read models (issue 29): one small document per person and one per group, kept as
 * events happen and read by `_id`, so opening a Home costs the same few reads on a desk of 100 tickets
 * or 100,000. Each part of a document is recomputed whole from bounded, indexed reads of the tickets,
 * chats and transfers when an event touches it (never counted up with $inc), so an event handed out
 * twice, or a process that died between a ticket's write and this one, converges on the next event or
 * the rebuild. `version` rises with every write of a document: a Home's state is named by the sum of
 * the versions of the documents it was read from, which never goes down, and a publish of an older
 * sum than the one last published is refused (see claimPublish).
 *
 * What a document holds needs no workspace file: who is in which group, who leads, who takes chats and
 * the groups' names are applied when the Home is read (src/homes/home.ts).
 */

/** How many of a person's open and pending tickets one read takes (HOME_WORK_READ in src/homes/home.ts). */
export const HOME_WORK_READ = 200;
/** How many of a queue's tickets one read takes for its size and oldest wait. */
export const HOME_QUEUE_READ = 500;
/** How many tickets of each list a document keeps: what the Home shows. */
export const HOME_LIST_LIMIT = 10;
/** Chats and transfers a document keeps (the Home shows at most this many of each list). */
const CHATS_KEPT = 40;
const LIVE_CHATS_READ = 50;

/** Raise when what a document holds changes: the next start rebuilds them all. */
export const HOMES_VERSION = 1;

export type HomeTicket = Pick<Ticket, 'number' | 'subject' | 'status' | 'priority' | 'requester' | 'createdAt'>;

export interface PersonTickets {
  open: HomeTicket[];
  openCount: number;
  pending: HomeTicket[];
  pendingCount: number;
}

export interface LiveChatEntry {
  ticketNumber: number;
  requester: string;
  subject: string;
  startedAt: Date;
  lastRequesterAt: Date | null;
  lastAgentAt: Date | null;
}

export interface TransferEntry {
  id: string;
  ticketNumber: number;
  from: string;
  to: TransferTarget;
  requestedAt: Date;
  expiresAt: Date;
  queued: boolean;
  /** The chat's requester and the ticket's subject, as a group's waiting list shows them. */
  requester: string;
  subject: string;
}

export interface WaitingChatEntry {
  ticketNumber: number;
  requester: string;
  subject: string;
  groupId: number;
  startedAt: Date;
}

export interface PersonChats {
  live: LiveChatEntry[];
  /** Requests addressed to this person by name. */
  transfers: TransferEntry[];
}

export interface GroupQueue {
  waiting: number;
  oldestSince: Date | null;
}

export interface GroupChats {
  /** New chats of the group nobody accepted yet, oldest first. */
  waiting: WaitingChatEntry[];
  /** Requests addressed to the group, or to its leads, oldest first. */
  transfers: TransferEntry[];
}

export interface PersonHome {
  tickets: PersonTickets;
  chats: PersonChats;
}

export interface GroupHome {
  queue: GroupQueue;
  chats: GroupChats;
}

export type PersonPart = keyof PersonHome;
export type GroupPart = keyof GroupHome;

export const EMPTY_PERSON: PersonHome = {
  tickets: { open: [], openCount: 0, pending: [], pendingCount: 0 },
  chats: { live: [], transfers: [] },
};
export const EMPTY_GROUP: GroupHome = {
  queue: { waiting: 0, oldestSince: null },
  chats: { waiting: [], transfers: [] },
};

/** What a Home was last published from, per person: the sum of versions and the rendered view's hash. */
export interface PublishedMark {
  version: number;
  hash: string;
}

interface HomeDocument {
  _id: string;
  version: number;
  tickets?: PersonTickets;
  queue?: GroupQueue;
  chats?: PersonChats | GroupChats;
  published?: PublishedMark;
}

export interface HomeDocuments {
  persons: Map<string, PersonHome & { version: number; published: PublishedMark | null }>;
  groups: Map<number, GroupHome & { version: number }>;
  /** The sum of the versions read: what the Home shown from them is named by. */
  version: number;
}

const homeSchema = new Schema<HomeDocument>(
  { _id: String, version: Number },
  { collection: 'homes', versionKey: false, strict: false, minimize: false },
);

export function personHomeId(user: string): string {
  return `person:${user}`;
}

export function groupHomeId(groupId: number): string {
  return `group:${groupId}`;
}

const homeTicketFields = { _id: 0, number: 1, subject: 1, status: 1, priority: 1, requester: 1, createdAt: 1 } as const;

type TransferRead = {
  _id: string;
  ticketNumber: number;
  from: string;
  to: TransferTarget;
  requestedAt: Date;
  expiresAt: Date;
  queued?: boolean;
};

/** A chat as stored: its `_id` is its ticket's number, as text. */
type ChatRead = {
  _id: string;
  requester: string;
  groupId: number;
  startedAt: Date;
  lastRequesterAt?: Date;
  lastAgentAt?: Date;
};

function chatNumber(chat: { _id: string }): number {
  return Number(chat._id);
}

export class HomeStore {
  private readonly model: Model<HomeDocument>;

  constructor(private readonly connection: Connection) {
    this.model = connection.model<HomeDocument>('Home', homeSchema);
  }

  /** Another collection's documents, read by their string `_id`s (the driver's default type is for ObjectIds). */
  private collection(name: string): Collection<{ _id: string }> {
    return this.connection.collection<{ _id: string }>(name);
  }

  // ─── Reading: what a Home open costs ────────────────────────────────────────────────────

  /** The documents of these people and groups in one read; a missing one is empty (nothing of theirs). */
  async read(users: readonly string[], groupIds: readonly number[]): Promise<HomeDocuments> {
    const ids = [...new Set([...users.map(personHomeId), ...groupIds.map(groupHomeId)])];
    const documents = await this.model.find({ _id: { $in: ids } }).lean<HomeDocument[]>();
    const byId = new Map(documents.map((document) => [document._id, document]));
    const persons: HomeDocuments['persons'] = new Map();
    const groups: HomeDocuments['groups'] = new Map();
    let version = 0;
    for (const user of new Set(users)) {
      const document = byId.get(personHomeId(user));
      version += document?.version ?? 0;
      persons.set(user, {
        tickets: document?.tickets ?? EMPTY_PERSON.tickets,
        chats: (document?.chats as PersonChats | undefined) ?? EMPTY_PERSON.chats,
        version: document?.version ?? 0,
        published: document?.published ?? null,
      });
    }
    for (const groupId of new Set(groupIds)) {
      const document = byId.get(groupHomeId(groupId));
      version += document?.version ?? 0;
      groups.set(groupId, {
        queue: document?.queue ?? EMPTY_GROUP.queue,
        chats: (document?.chats as GroupChats | undefined) ?? EMPTY_GROUP.chats,
        version: document?.version ?? 0,
      });
    }
    return { persons, groups, version };
  }

  /**
   * Records that this person's Home is being published from state `version` with this view: refused
   * (false) when a Home of a later state was published already — a slower replica's older view must
   * not land over a newer one — or when this very view was (unless `again`: the person opened the tab). One conditional write; a refusal of a
   * document that exists shows as a duplicate key of the upsert.
   */
  async claimPublish(user: string, mark: PublishedMark, options: { again?: boolean } = {}): Promise<boolean> {
    try {
      await this.model.updateOne(
        {
          _id: personHomeId(user),
          $or: [
            { published: { $exists: false } },
            { 'published.version': { $lt: mark.version } },
            options.again
              ? { 'published.version': mark.version }
              : { 'published.version': mark.version, 'published.hash': { $ne: mark.hash } },
          ],
        },
        { $set: { published: mark }, $setOnInsert: { version: 0 } },
        { upsert: true },
      );
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Forgets what was published to this person (the publish failed): the next event publishes again. */
  async forgetPublished(user: string, mark: PublishedMark): Promise<void> {
    await this.model.updateOne(
      { _id: personHomeId(user), 'published.version': mark.version, 'published.hash': mark.hash },
      { $unset: { published: '' } },
    );
  }

  // ─── Keeping: recomputed from the tickets, chats and transfers ─────────────────────────

  /** Recomputes these parts of these people's and groups' documents, each from its own bounded reads. */
  async follow(change: {
    persons?: readonly string[];
    personParts?: readonly PersonPart[];
    groups?: readonly number[];
    groupParts?: readonly GroupPart[];
  }): Promise<void> {
    const personParts = change.personParts ?? ['tickets', 'chats'];
    const groupParts = change.groupParts ?? ['queue', 'chats'];
    const recomputes = new Map<string, () => Promise<Record<string, unknown>>>();
    if (personParts.length > 0)
      for (const user of change.persons ?? [])
        recomputes.set(personHomeId(user), () => this.personNow(user, personParts));
    if (groupParts.length > 0)
      for (const groupId of change.groups ?? [])
        recomputes.set(groupHomeId(groupId), () => this.groupNow(groupId, groupParts));
    await this.keep(recomputes);
  }

  /**
   * One recompute of a document at a time in this process: two events for one person at once would
   * otherwise let the slower read write an older state over the newer. Each recompute starts after the
   * one before it wrote, so it reads at least what that one read. (Across replicas the next event that
   * touches the person, or the rebuild, corrects a late write.) The documents of one change are written
   * in one command, after every one of them is recomputed.
   */
  private keep(recomputes: ReadonlyMap<string, () => Promise<Record<string, unknown>>>): Promise<void> {
    if (recomputes.size === 0) return Promise.resolve();
    const ids = [...recomputes.keys()];
    const before = Promise.all(ids.map((id) => (this.keeping.get(id) ?? Promise.resolve()).catch(() => undefined)));
    const mine = before.then(async () => {
      const written = await Promise.all(ids.map(async (id) => ({ id, parts: await recomputes.get(id)!() })));
      await this.write(written);
    });
    for (const id of ids) this.keeping.set(id, mine);
    const forget = () => {
      for (const id of ids) if (this.keeping.get(id) === mine) this.keeping.delete(id);
    };
    mine.then(forget, forget);
    return mine;
  }

  private readonly keeping = new Map<string, Promise<void>>();

  private async write(documents: readonly { id: string; parts: Record<string, unknown> }[]): Promise<void> {
    if (documents.length === 1) {
      const [{ id, parts }] = documents as [{ id: string; parts: Record<string, unknown> }];
      await this.model.updateOne({ _id: id }, { $set: parts, $inc: { version: 1 } }, { upsert: true });
      return;
    }
    await this.model.bulkWrite(
      documents.map(({ id, parts }) => ({
        updateOne: { filter: { _id: id }, update: { $set: parts, $inc: { version: 1 } }, upsert: true },
      })),
      { ordered: false },
    );
  }

  /** A person's parts as the tickets, chats and transfers say now. */
  async personNow(user: string, parts: readonly PersonPart[] = ['tickets', 'chats']): Promise<Partial<PersonHome>> {
    const [tickets, chats] = await Promise.all([
      parts.includes('tickets') ? this.ticketsOf(user) : undefined,
      parts.includes('chats') ? this.chatsOf(user) : undefined,
    ]);
    return { ...(tickets ? { tickets } : {}), ...(chats ? { chats } : {}) };
  }

  async groupNow(groupId: number, parts: readonly GroupPart[] = ['queue', 'chats']): Promise<Partial<GroupHome>> {
    const [queue, chats] = await Promise.all([
      parts.includes('queue') ? this.queueOf(groupId) : undefined,
      parts.includes('chats') ? this.groupChatsOf(groupId) : undefined,
    ]);
    return { ...(queue ? { queue } : {}), ...(chats ? { chats } : {}) };
  }

  /**
   * Both lists in one read of the person's open and pending tickets, newest change first, when they
   * have fewer than HOME_WORK_READ of them (as agents do); one with more is listed and counted per status.
   */
  private async ticketsOf(user: string): Promise<PersonTickets> {
    const tickets = this.collection('tickets');
    const read = async (statuses: TicketStatus[], limit: number): Promise<HomeTicket[]> => {
      const found = (await tickets
        .find({ assignee: user, status: { $in: statuses } }, { projection: { ...homeTicketFields, updatedAt: 1 } })
        .sort({ updatedAt: -1 })
        .limit(limit)
        // All in the first batch: the driver's default (101) would cost a getMore for a long list.
        .batchSize(limit)
        .toArray()) as unknown as (HomeTicket & { updatedAt: Date })[];
      // Changes of one instant in the order of their numbers, newest first: the server's order among them may differ per read.
      found.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime() || b.number - a.number);
      return found.map(({ number, subject, status, priority, requester, createdAt }) => ({
        number,
        subject,
        status,
        priority,
        requester,
        createdAt,
      }));
    };
    const both = await read(['open', 'pending'], HOME_WORK_READ);
    if (both.length < HOME_WORK_READ) {
      const open = both.filter((ticket) => ticket.status === 'open');
      const pending = both.filter((ticket) => ticket.status === 'pending');
      return {
        open: open.slice(0, HOME_LIST_LIMIT),
        openCount: open.length,
        pending: pending.slice(0, HOME_LIST_LIMIT),
        pendingCount: pending.length,
      };
    }
    const listed = async (status: TicketStatus): Promise<[HomeTicket[], number]> => {
      const first = await read([status], HOME_LIST_LIMIT);
      return [
        first,
        first.length < HOME_LIST_LIMIT ? first.length : await tickets.countDocuments({ assignee: user, status }),
      ];
    };
    const [[open, openCount], [pending, pendingCount]] = await Promise.all([listed('open'), listed('pending')]);
    return { open, openCount, pending, pendingCount };
  }

  private async subjects(numbers: readonly number[]): Promise<Map<number, string>> {
    if (numbers.length === 0) return new Map();
    const found = (await this.collection('tickets')
      .find({ _id: { $in: numbers.map(String) } }, { projection: { _id: 0, number: 1, subject: 1 } })
      .toArray()) as unknown as { number: number; subject: string }[];
    return new Map(found.map((ticket) => [ticket.number, ticket.subject]));
  }

  private async chatsOf(user: string): Promise<PersonChats> {
    const [live, transfers] = await Promise.all([
      this.collection('chats')
        .find({ agent: user, state: 'live' })
        .sort({ lastActivityAt: -1 })
        .limit(LIVE_CHATS_READ)
        .toArray() as Promise<unknown[]> as Promise<ChatRead[]>,
      this.transfersTo([{ 'to.kind': 'agent', 'to.id': user }]),
    ]);
    const subjects = await this.subjects(live.map(chatNumber));
    return {
      live: live
        .map((chat) => ({
          ticketNumber: chatNumber(chat),
          requester: chat.requester,
          subject: subjects.get(chatNumber(chat)) ?? '',
          startedAt: chat.startedAt,
          lastRequesterAt: chat.lastRequesterAt ?? null,
          lastAgentAt: chat.lastAgentAt ?? null,
        }))
        .sort((a, b) => a.ticketNumber - b.ticketNumber),
      transfers,
    };
  }

  /** Requests still waiting, addressed as one of `targets` says, oldest first, with their chat's requester and subject. */
  private async transfersTo(targets: Record<string, unknown>[]): Promise<TransferEntry[]> {
    const found = (
      await Promise.all(
        targets.map(
          (target) =>
            this.collection('transfers')
              .find({ state: 'requested', ...target })
              .sort({ requestedAt: 1 })
              .limit(CHATS_KEPT)
              .toArray() as Promise<unknown[]> as Promise<TransferRead[]>,
        ),
      )
    ).flat();
    if (found.length === 0) return [];
    const numbers = [...new Set(found.map((transfer) => transfer.ticketNumber))];
    const [subjects, chats] = await Promise.all([
      this.subjects(numbers),
      this.collection('chats')
        .find({ _id: { $in: numbers.map(String) } }, { projection: { _id: 1, requester: 1 } })
        .toArray() as Promise<unknown[]> as Promise<ChatRead[]>,
    ]);
    const requesters = new Map(chats.map((chat) => [chatNumber(chat), chat.requester]));
    return found
      .map((transfer) => ({
        id: transfer._id,
        ticketNumber: transfer.ticketNumber,
        from: transfer.from,
        to: transfer.to,
        requestedAt: transfer.requestedAt,
        expiresAt: transfer.expiresAt,
        queued: transfer.queued === true,
        requester: requesters.get(transfer.ticketNumber) ?? '',
        subject: subjects.get(transfer.ticketNumber) ?? '',
      }))
      .sort((a, b) => a.requestedAt.getTime() - b.requestedAt.getTime() || a.id.localeCompare(b.id))
      .slice(0, CHATS_KEPT);
  }

  /** One read gives the count and the oldest wait of a queue shorter than HOME_QUEUE_READ; a longer one is counted apart. */
  private async queueOf(groupId: number): Promise<GroupQueue> {
    const waiting = this.collection('waiting_tickets');
    const filedAt = (await waiting
      .find({ groupId: { $in: [groupId] } }, { projection: { _id: 0, createdAt: 1 } })
      .sort({ createdAt: 1, number: 1 })
      .limit(HOME_QUEUE_READ)
      .batchSize(HOME_QUEUE_READ)
      .toArray()) as unknown as { createdAt: Date }[];
    return {
      waiting:
        filedAt.length < HOME_QUEUE_READ
          ? filedAt.length
          : await waiting.countDocuments({ groupId: { $in: [groupId] } }),
      oldestSince: filedAt[0]?.createdAt ?? null,
    };
  }

  private async groupChatsOf(groupId: number): Promise<GroupChats> {
    const [waiting, transfers] = await Promise.all([
      this.collection('chats')
        .find({ state: 'waiting', groupId: { $in: [groupId] } })
        .sort({ startedAt: 1 })
        .limit(CHATS_KEPT)
        .toArray() as Promise<unknown[]> as Promise<ChatRead[]>,
      this.transfersTo([{ 'to.kind': { $in: ['lead', 'group'] }, 'to.id': { $in: [String(groupId)] } }]),
    ]);
    const subjects = await this.subjects(waiting.map(chatNumber));
    return {
      waiting: waiting.map((chat) => ({
        ticketNumber: chatNumber(chat),
        requester: chat.requester,
        subject: subjects.get(chatNumber(chat)) ?? '',
        groupId: chat.groupId,
        startedAt: chat.startedAt,
      })),
      transfers,
    };
  }

  // ─── Rebuilding and checking ───────────────────────────────────────────────────────────

  /**
   * The people and groups a document should exist for: those of the documents there now, everyone with
   * an open or pending ticket, a live chat or a transfer asked of them, and every group with a ticket
   * or chat waiting or a transfer asked of it. What the rebuild writes and the drift test compares.
   */
  async subjectsNow(): Promise<{ persons: string[]; groups: number[] }> {
    const persons = new Set<string>();
    const groups = new Set<number>();
    for (const document of await this.model.find({}, { _id: 1 }).sort({ _id: 1 }).lean<{ _id: string }[]>()) {
      if (document._id.startsWith('person:')) persons.add(document._id.slice('person:'.length));
      else if (document._id.startsWith('group:')) groups.add(Number(document._id.slice('group:'.length)));
    }
    const assignees = await this.collection('tickets')
      .aggregate<{ _id: string }>([
        // By status alone, which an index leads with; the unassigned fall into one group, left out below.
        { $match: { status: { $in: ['open', 'pending'] } } },
        { $group: { _id: '$assignee', count: { $sum: 1 } } },
      ])
      .toArray();
    for (const entry of assignees) if (typeof entry._id === 'string') persons.add(entry._id);
    const chats = (await this.collection('chats')
      .find({ state: { $in: ['live', 'waiting'] } }, { projection: { _id: 0, agent: 1, state: 1, groupId: 1 } })
      .toArray()) as unknown as { agent: string | null; state: string; groupId: number }[];
    for (const chat of chats) {
      if (chat.state === 'live' && chat.agent) persons.add(chat.agent);
      if (chat.state === 'waiting') groups.add(chat.groupId);
    }
    const transfers = (await this.collection('transfers')
      .find({ state: 'requested' }, { projection: { _id: 0, to: 1 } })
      .toArray()) as unknown as { to: TransferTarget }[];
    for (const { to } of transfers) {
      if (to.kind === 'agent') persons.add(to.id);
      else groups.add(Number(to.id));
    }
    const waiting = await this.collection('waiting_tickets')
      .aggregate<{ _id: number }>([
        { $sort: { groupId: 1, createdAt: 1, number: 1 } },
        { $group: { _id: '$groupId', count: { $sum: 1 } } },
      ])
      .toArray();
    for (const entry of waiting) groups.add(entry._id);
    return { persons: [...persons].sort(), groups: [...groups].sort((a, b) => a - b) };
  }

  /** Every document recomputed from the tickets, chats and transfers: `npm run rebuild-read-models`. */
  async rebuild(): Promise<number> {
    const { persons, groups } = await this.subjectsNow();
    for (const user of persons) await this.follow({ persons: [user] });
    for (const groupId of groups) await this.follow({ groups: [groupId] });
    return persons.length + groups.length;
  }

  /** What is kept, for the drift test: each document's parts, without versions and marks. */
  async kept(): Promise<{ persons: Map<string, Partial<PersonHome>>; groups: Map<number, Partial<GroupHome>> }> {
    const documents = await this.model.find({}).sort({ _id: 1 }).lean<HomeDocument[]>();
    const persons = new Map<string, Partial<PersonHome>>();
    const groups = new Map<number, Partial<GroupHome>>();
    for (const document of documents) {
      if (document._id.startsWith('person:'))
        persons.set(document._id.slice('person:'.length), {
          ...(document.tickets ? { tickets: document.tickets } : {}),
          ...(document.chats ? { chats: document.chats as PersonChats } : {}),
        });
      else if (document._id.startsWith('group:'))
        groups.set(Number(document._id.slice('group:'.length)), {
          ...(document.queue ? { queue: document.queue } : {}),
          ...(document.chats ? { chats: document.chats as GroupChats } : {}),
        });
    }
    return { persons, groups };
  }
}
