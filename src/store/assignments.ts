import type { Connection } from 'mongoose';
import { BulkMoveStore } from './bulk-moves.js';
import { HandoffStore } from './handoffs.js';
import { joined } from './joined.js';

/** Hand-over requests between agents, and lead's bulk hand-overs with their progress. */
export type AssignmentStore = HandoffStore & BulkMoveStore;

export function assignmentStore(connection: Connection): AssignmentStore {
  return joined(new HandoffStore(connection), new BulkMoveStore(connection));
}
