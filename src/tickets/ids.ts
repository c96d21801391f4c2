import { randomUUID } from 'node:crypto';

/** A comment id made before the write, so a retry of the same call writes the same comment once. */
export function newCommentId(): string {
  return `c:${randomUUID()}`;
}
