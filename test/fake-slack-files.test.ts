import { type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack } from '../src/fake-slack/server.js';

/** The fake's file methods answer as Slack's reference says (src/fake-slack/files.ts has the sources). */
describe('the fake Slack’s files', () => {
  let fake: FakeSlack;
  let client: WebClient;
  beforeAll(async () => {
    fake = await FakeSlack.start();
    client = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(() => fake.close());

  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => ({ error: 'none' }),
      (error: WebAPIPlatformError) => ({ error: error.data?.error }),
    );

  it('shares an upload into a thread with the upload-URL flow, and serves its bytes only to the bot token', async () => {
    const bytes = Buffer.from('hello, file');
    const slot = await client.files.getUploadURLExternal({ filename: 'hello.txt', length: bytes.length });
    expect(slot.upload_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/upload\/v1\//);
    // Not uploaded yet: nothing to share.
    expect(
      await refusal(
        client.files.completeUploadExternal({ files: [{ id: slot.file_id! }], channel_id: fake.dmChannelOf('UANA') }),
      ),
    ).toEqual({ error: 'file_not_found' });
    expect((await fetch(slot.upload_url!, { method: 'POST', body: new Uint8Array(bytes) })).status).toBe(200);
    await client.files.completeUploadExternal({
      files: [{ id: slot.file_id!, title: 'Hello' }],
      channel_id: fake.dmChannelOf('UANA'),
      thread_ts: '1700000000.000100',
      initial_comment: 'See attached',
    });
    const message = fake.messages(fake.dmChannelOf('UANA')).at(-1)!;
    expect(message).toMatchObject({ text: 'See attached', threadTs: '1700000000.000100', files: [slot.file_id] });

    const info = (await client.files.info({ file: slot.file_id! })).file!;
    expect(info).toMatchObject({ name: 'hello.txt', title: 'Hello', size: bytes.length, mimetype: 'text/plain' });
    expect((await fetch(info.url_private_download!, { redirect: 'manual' })).status).toBe(302);
    const download = await fetch(info.url_private_download!, { headers: { Authorization: `Bearer ${fake.token}` } });
    expect(Buffer.from(await download.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses what Slack refuses: no name or length, more than 1 GB, a size other than announced, the retired files.upload', async () => {
    expect(await refusal(client.files.getUploadURLExternal({ filename: '', length: 10 }))).toEqual({
      error: 'invalid_arguments',
    });
    expect(
      await refusal(client.files.getUploadURLExternal({ filename: 'big.iso', length: 2 * 1024 * 1024 * 1024 })),
    ).toEqual({ error: 'file_too_large' });
    const slot = await client.files.getUploadURLExternal({ filename: 'short.txt', length: 100 });
    await fetch(slot.upload_url!, { method: 'POST', body: 'only a few bytes' });
    expect(await refusal(client.files.completeUploadExternal({ files: [{ id: slot.file_id! }] }))).toEqual({
      error: 'file_upload_size_mismatch',
    });
    expect(await refusal(client.apiCall('files.upload', { content: 'x', channels: 'C1' }))).toEqual({
      error: 'unknown_method',
    });
  });
});
