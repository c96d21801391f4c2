import { type Connection, type Model, Schema } from 'mongoose';
import type { SlackRef } from '../chats/types.js';
import { documentsOf, insertOnce, slackRefSchema as refSchema } from './documents.js';

export interface ChatFollower {
  ticketNumber: number;
  user: string;
  /** The follower's DM message whose thread mirrors the conversation; null until it is posted. */
  mirror: SlackRef | null;
  since: Date;
}

type FollowerDocument = ChatFollower & { _id: string };

const followerSchema = new Schema(
  {
    _id: String,
    ticketNumber: { type: Number, required: true },
    user: { type: String, required: true },
    mirror: { type: refSchema, default: null },
    since: { type: Date, required: true },
  },
  { collection: 'chat_followers', versionKey: false },
);
followerSchema.index({ ticketNumber: 1, since: 1 });
followerSchema.index({ 'mirror.channel': 1, 'mirror.ts': 1 });

const FOLLOWERS_MAX = 50;

/** Who follows a chat, each with the DM thread that mirrors it. Never an array growing inside the chat. */
export class ChatFollowerStore {
  private readonly Follower: Model<FollowerDocument>;

  constructor(connection: Connection) {
    this.Follower = connection.model<FollowerDocument>('ChatFollower', followerSchema);
  }

  /** False when they already follow it. */
  async follow(follower: ChatFollower): Promise<boolean> {
    return insertOnce(documentsOf<FollowerDocument>(this.Follower), {
      _id: `${follower.ticketNumber}:${follower.user}`,
      ...follower,
    });
  }

  async unfollow(ticketNumber: number, user: string): Promise<ChatFollower | null> {
    const document = await this.Follower.findOneAndDelete({ _id: `${ticketNumber}:${user}` }).lean<FollowerDocument>();
    return document ? toFollower(document) : null;
  }

  async setMirror(ticketNumber: number, user: string, mirror: SlackRef): Promise<void> {
    await this.Follower.updateOne({ _id: `${ticketNumber}:${user}` }, { $set: { mirror } });
  }

  async followersOf(ticketNumber: number): Promise<ChatFollower[]> {
    const documents = await this.Follower.find({ ticketNumber })
      .sort({ since: 1 })
      .limit(FOLLOWERS_MAX)
      .lean<FollowerDocument[]>();
    return documents.map(toFollower);
  }

  async followerByMirror(mirror: SlackRef): Promise<ChatFollower | null> {
    const document = await this.Follower.findOne({
      'mirror.channel': mirror.channel,
      'mirror.ts': mirror.ts,
    }).lean<FollowerDocument>();
    return document ? toFollower(document) : null;
  }
}

function toFollower({ _id, ...follower }: FollowerDocument): ChatFollower {
  void _id;
  return follower;
}
