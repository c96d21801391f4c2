import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentDisposition } from '../src/http/file-downloads.js';
import type { Store } from '../src/store/store.js';
import { downloadFileName, sniffedType } from '../src/tickets/files.js';
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
    const file = {
      id: 'c1:0',
      ticketNumber: 7,
      commentId: 'c1',
      name: 'big.bin',
      size: bytes.length,
      contentType: 'application/octet-stream',
      sha256: sha,
      visibility: 'public' as const,
      addedBy: { kind: 'requester', id: 'U1' },
      addedAt: new Date(),
      stored: { bucketId: 'bytes:c1:0' },
      slack: null,
    };
    await store.files.add(file);
    expect((await store.files.readBytes(file))!.equals(bytes)).toBe(true);
    // A retry stores nothing twice.
    await store.files.putBytes('c1:0', 'big.bin', 'application/octet-stream', bytes);
    expect(await store.connection.db!.collection('files_bytes.files').countDocuments({})).toBe(1);
    expect(await store.connection.db!.collection('files_bytes.chunks').countDocuments({})).toBe(3);
    expect(await store.files.deleteOfTicket(7)).toBe(1);
    expect(await store.connection.db!.collection('files_bytes.chunks').countDocuments({})).toBe(0);
    expect(await store.files.readBytes(file)).toBeNull();
  });

  it('saves a download under a name that reaches no folder and cannot break its header', () => {
    expect(downloadFileName('../../etc/passwd')).toBe('passwd');
    expect(downloadFileName('..\\..\\boot.ini')).toBe('boot.ini');
    expect(downloadFileName('.bashrc')).toBe('bashrc');
    expect(downloadFileName('../')).toBe('file');
    expect(contentDisposition('a"b\r\nSet-Cookie: x.txt')).toBe(
      `attachment; filename="abSet-Cookie: x.txt"; filename*=UTF-8''abSet-Cookie%3A%20x.txt`,
    );
    expect(contentDisposition('Rechnung März.pdf')).toBe(
      `attachment; filename="Rechnung M_rz.pdf"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf`,
    );
  });

  it('takes a file’s type from its bytes, never from its name', async () => {
    expect(await sniffedType(Buffer.from('%PDF-1.7\n'))).toBe('application/pdf');
    expect(await sniffedType(Buffer.from('<html><script>1</script></html>'))).toBe('text/plain');
    expect(await sniffedType(Buffer.from([0, 1, 2, 3]))).toBe('application/octet-stream');
  });
});
