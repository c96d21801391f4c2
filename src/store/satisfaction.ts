import { type Connection, type Model, Schema } from 'mongoose';
import { documentsOf, insertOnce } from './documents.js';

/**
 * One survey per solve of a ticket: `_id` is `<ticket>:<solve>` where solve is the ticket's version
 * right after it was solved. The unique id makes "asked once" and "answered once" hold; a second
 * answer overwrites the first.
 */
export type Rating = 'good' | 'bad';

export interface SatisfactionSurvey {
  id: string;
  ticketNumber: number;
  solve: number;
  /** Who solved it, so the answer counts for them in stats. */
  agent: string | null;
  askedAt: Date;
  rating: Rating | null;
  comment: string | null;
  ratedAt: Date | null;
}

interface SurveyDocument extends Omit<SatisfactionSurvey, 'id'> {
  _id: string;
}

const surveySchema = new Schema<SurveyDocument>(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    solve: { type: Number, required: true },
    agent: { type: String, default: null },
    askedAt: { type: Date, required: true },
    rating: { type: String, default: null },
    comment: { type: String, default: null },
    ratedAt: { type: Date, default: null },
  },
  { collection: 'satisfaction', versionKey: false },
);
surveySchema.index({ ticketNumber: 1, solve: 1 });

export function surveyId(ticketNumber: number, solve: number): string {
  return `${ticketNumber}:${solve}`;
}

function toSurvey({ _id, ...rest }: SurveyDocument): SatisfactionSurvey {
  return { id: _id, ...rest };
}

export class SatisfactionStore {
  private readonly model: Model<SurveyDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<SurveyDocument>('Satisfaction', surveySchema);
  }

  /** True the first time this solve is asked about; false when it was asked already (a retry). */
  async ask(ticketNumber: number, solve: number, agent: string | null, now: Date): Promise<boolean> {
    return insertOnce(documentsOf<SurveyDocument>(this.model), {
      _id: surveyId(ticketNumber, solve),
      ticketNumber,
      solve,
      agent,
      askedAt: now,
      rating: null,
      comment: null,
      ratedAt: null,
    });
  }

  async get(ticketNumber: number, solve: number): Promise<SatisfactionSurvey | null> {
    const document = await this.model.findById(surveyId(ticketNumber, solve)).lean<SurveyDocument>();
    return document ? toSurvey(document) : null;
  }

  /**
   * Records the answer on a survey that was asked (never creates one, so a made-up solve number
   * is refused). `comment` undefined keeps the earlier comment. Returns the survey before and after.
   */
  async answer(
    ticketNumber: number,
    solve: number,
    answer: { rating: Rating; comment?: string },
    now: Date,
  ): Promise<{ before: SatisfactionSurvey; after: SatisfactionSurvey } | null> {
    const set: Partial<SurveyDocument> = { rating: answer.rating, ratedAt: now };
    if (answer.comment !== undefined) set.comment = answer.comment;
    const before = await this.model.findOneAndUpdate(
      { _id: surveyId(ticketNumber, solve) },
      { $set: set },
      { new: false, lean: true },
    );
    if (!before) return null;
    const after = { ...(before as SurveyDocument), ...set };
    return { before: toSurvey(before as SurveyDocument), after: toSurvey(after) };
  }
}
