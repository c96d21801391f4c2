import type { Connection } from 'mongoose';
import { commentSchema } from './comments.js';
import { counterSchema } from './counters.js';
import { eventSchema } from './events.js';
import { jobLeaseSchema } from './leases.js';
import { seenIdSchema } from './seen.js';
import { ticketSchema } from './tickets.js';

export function registerModels(connection: Connection) {
  return {
    Ticket: connection.model('Ticket', ticketSchema),
    Event: connection.model('Event', eventSchema),
    Comment: connection.model('Comment', commentSchema),
    Counter: connection.model('Counter', counterSchema),
    SeenId: connection.model('SeenId', seenIdSchema),
    JobLease: connection.model('JobLease', jobLeaseSchema),
  };
}

export type Models = ReturnType<typeof registerModels>;
