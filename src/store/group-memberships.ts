import { type Connection, type Model, Schema } from 'mongoose';
import { documentsOf, insertOnce } from './documents.js';

/** An agent put in a group from Slack (`/ticket admin members GROUP`), beside the workspace file's own. */
export interface GroupMembership {
  user: string;
  groupId: number;
  /** The name the desk calls them by when the file does not name them (their Slack name when added). */
  name: string;
  addedBy: string;
  addedAt: Date;
}

type MembershipDocument = GroupMembership & { _id: string };

const membershipSchema = new Schema(
  {
    _id: String,
    user: { type: String, required: true },
    groupId: { type: Number, required: true },
    name: { type: String, required: true },
    addedBy: { type: String, required: true },
    addedAt: { type: Date, required: true },
  },
  { collection: 'group_memberships', versionKey: false },
);
membershipSchema.index({ groupId: 1, user: 1 });

/** More memberships than any desk has agents in groups: a bound on the one read that loads them all. */
const MEMBERSHIPS_MAX = 5000;

function toMembership({ _id: _unused, ...rest }: MembershipDocument): GroupMembership {
  return rest;
}

export class GroupMembershipStore {
  private readonly model: Model<MembershipDocument>;

  constructor(connection: Connection) {
    this.model = connection.model<MembershipDocument>('GroupMembership', membershipSchema);
  }

  /** False when they were in that group already (the id is the pair, so two admins adding at once make one). */
  add(membership: GroupMembership): Promise<boolean> {
    return insertOnce(documentsOf<MembershipDocument>(this.model), {
      _id: `${membership.groupId}:${membership.user}`,
      ...membership,
    });
  }

  /** The membership removed, or null when there was none. */
  async remove(user: string, groupId: number): Promise<GroupMembership | null> {
    const removed = await this.model.findOneAndDelete({ _id: `${groupId}:${user}` }).lean<MembershipDocument>();
    return removed ? toMembership(removed) : null;
  }

  async all(): Promise<GroupMembership[]> {
    const documents = await this.model
      .find({})
      .sort({ groupId: 1, user: 1 })
      .limit(MEMBERSHIPS_MAX)
      .lean<MembershipDocument[]>();
    return documents.map(toMembership);
  }
}
