import { type Connection, type Model, Schema } from 'mongoose';

/**
 * The App Home's week figures, kept as events happen: one document per agent (or group) and week,
 * whose `_id` names both, so the home reads two documents by `_id` — what FerretDB v1 answers from an
 * index — instead of scanning the event history. Each entry is keyed by what it is about (a ticket's
 * solve, its first reply, one survey), so writing it again is harmless: an event handed out twice
 * after a crash counts once, and a later solve or a changed answer replaces the earlier one.
 */
export interface SolveFigure {
  ticketNumber: number;
  at: Date;
  /** From the ticket's creation to this solve. */
  resolutionMs: number;
  /** Contacts before the solve, as the team counts them (contactsBefore in tickets/stats.ts). */
  contacts: number;
}

export interface FirstReplyFigure {
  ticketNumber: number;
  at: Date;
  /** From the ticket's creation to its first public reply. */
  ms: number;
}

export interface RatingFigure {
  ticketNumber: number;
  /** Which solve the survey asked about (the ticket's version right after it). */
  solve: number;
  at: Date;
  rating: 'good' | 'bad';
}

export type WeekFigure =
  | { kind: 'solve'; figure: SolveFigure }
  | { kind: 'firstReply'; figure: FirstReplyFigure }
  | { kind: 'rating'; figure: RatingFigure };

export interface WeekFigures {
  id: string;
  solves: SolveFigure[];
  firstReplies: FirstReplyFigure[];
  ratings: RatingFigure[];
}

interface WeekFiguresDocument {
  _id: string;
  /** The week's Monday: old weeks are forgotten by it. */
  week: Date;
  solves?: Record<string, SolveFigure>;
  firstReplies?: Record<string, FirstReplyFigure>;
  ratings?: Record<string, RatingFigure>;
}

// The maps' keys are chosen here (a field name that is a bare number is not safe everywhere): each map is
// Mixed to mongoose, its entries typed by WeekFiguresDocument.
const weekFiguresSchema = new Schema<WeekFiguresDocument>(
  {
    _id: String,
    week: Date,
    solves: Schema.Types.Mixed,
    firstReplies: Schema.Types.Mixed,
    ratings: Schema.Types.Mixed,
  },
  { collection: 'weekfigures', versionKey: false, minimize: false },
);
weekFiguresSchema.index({ week: 1 });

/** Where a figure goes in its document: the ticket (and survey) it is about. */
function entryPath(entry: WeekFigure): string {
  switch (entry.kind) {
    case 'solve':
      return `solves.t${entry.figure.ticketNumber}`;
    case 'firstReply':
      return `firstReplies.t${entry.figure.ticketNumber}`;
    case 'rating':
      return `ratings.t${entry.figure.ticketNumber}_${entry.figure.solve}`;
  }
}

export class WeekFiguresStore {
  private readonly model: Model<WeekFiguresDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<WeekFiguresDocument>('WeekFigures', weekFiguresSchema);
  }

  /** Writes one figure into each of the documents named (the agent's week, the group's week), which are of the week starting `week`. */
  async note(documentIds: readonly string[], week: Date, entry: WeekFigure): Promise<void> {
    const path = entryPath(entry);
    await Promise.all(
      documentIds.map((id) =>
        this.model.updateOne({ _id: id }, { $set: { [path]: entry.figure }, $setOnInsert: { week } }, { upsert: true }),
      ),
    );
  }

  /** Forgets at most `limit` documents of weeks that started before `cutoff`. */
  async forgetWeeksBefore(cutoff: Date, limit: number): Promise<number> {
    const old = await this.model
      .find({ week: { $lt: cutoff } }, { _id: 1 })
      .limit(limit)
      .lean();
    if (old.length === 0) return 0;
    return (await this.model.deleteMany({ _id: { $in: old.map((entry) => entry._id) } })).deletedCount;
  }

  /**
   * The documents named, in one read (`_id` in the list): what a Home open reads for the person's week and
   * their groups' at once, so its cost stays one command however many groups. The collection holds a few
   * weeks of the desk's agents and groups only (old weeks are forgotten), whatever the tickets' count.
   */
  async readTogether(documentIds: readonly string[]): Promise<WeekFigures[]> {
    if (documentIds.length === 0) return [];
    const documents = await this.model.find({ _id: { $in: [...documentIds] } }).lean<WeekFiguresDocument[]>();
    return documents.map((document) => ({
      id: document._id,
      solves: Object.values(document.solves ?? {}),
      firstReplies: Object.values(document.firstReplies ?? {}),
      ratings: Object.values(document.ratings ?? {}),
    }));
  }

  /** The documents named, each read by its `_id`; a week nobody worked in has none. */
  async read(documentIds: readonly string[]): Promise<WeekFigures[]> {
    const documents = await Promise.all(
      documentIds.map((id) => this.model.findOne({ _id: id }).lean<WeekFiguresDocument>()),
    );
    return documents
      .filter((document): document is WeekFiguresDocument => document !== null)
      .map((document) => ({
        id: document._id,
        solves: Object.values(document.solves ?? {}),
        firstReplies: Object.values(document.firstReplies ?? {}),
        ratings: Object.values(document.ratings ?? {}),
      }));
  }
}
