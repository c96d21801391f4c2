import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './support/database.js';

describe('GridFS on the test server', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore('files-store');
  });
  afterAll(async () => {
    await store.close();
  });

  it('keeps bytes across chunks, reads them back, and deletes them with the ticket', async () => {
    const bytes = randomBytes(600_000);
    const sha = await store.files.putBytes('c1:0', 'big.bin', 'application/octet-stream', bytes);
    const file = { id: 'c1:0', ticketNumber: 7, commentId: 'c1', name: 'big.bin', size: bytes.length, contentType: 'application/octet-stream', sha256: sha, visibility: 'public' as const, addedBy: { kind: 'requester', id: 'U1' }, addedAt: new Date(), stored: { bucketId: 'bytes:c1:0' }, slack: null };
    await store.files.add(file);
    expect((await store.files.readBytes(file))!.equals(bytes)).toBe(true);
    // A retry stores nothing twice.
    await store.files.putBytes('c1:0', 'big.bin', 'application/octet-stream', bytes);
    expect(await store.connection.db!.collection('files_bytes.files').countDocuments({})).toBe(1);
    expect(await store.connection.db!.collection('files_bytes.chunks').countDocuments({})).toBe(3);
    expect(await store.files.deleteOfTicket(7)).toBe(1);
    expect(await store.connection.db!.collection('files_bytes.chunks').countDocuments({})).toBe(0);
    expect(await store.files.readBytes(file)).toBeNull();
    console.log(store.server, await store.connection.db!.collection('files_bytes.chunks').indexes(), await store.connection.db!.collection('files_bytes.files').indexes());
  });
});
