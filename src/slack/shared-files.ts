import type { WebClient } from '@slack/web-api';
import type { Log } from '../log.js';
import { faultMessage } from '../log.js';
import type { Desk } from '../tickets/desk.js';
import type { IncomingFile, SlackFileSeen } from '../tickets/files.js';
import { describeRefusal, type Refusal } from '../tickets/refusals.js';
import { decodeEntities } from './decode-slack-text.js';
import { slackWords } from './words.js';

interface SlackFileInfo {
  id?: string;
  name?: string;
  title?: string;
  mimetype?: string;
  size?: number;
  permalink?: string;
  url_private_download?: string;
  url_private?: string;
}

/**
 * What Slack says of files a person shared, read with files.info and the bot token (`files:read`):
 * a message event's `files` may be partial (Slack sends `file_access: check_file_info` for some), so
 * each is asked for. One deleted before it is read is `gone`, and its sender is told.
 */
export async function readSharedFiles(
  client: WebClient,
  files: readonly { id: string; name?: string }[],
  log: Log,
): Promise<SlackFileSeen[]> {
  const seen: SlackFileSeen[] = [];
  for (const shared of files) {
    try {
      const info = (await client.files.info({ file: shared.id })).file as SlackFileInfo | undefined;
      if (!info) throw new Error('files.info answered no file');
      seen.push({
        fileId: shared.id,
        // A file's name is Slack text like any other (`&`, `<`, `>` as entities): read once, here, where it enters.
        name: decodeEntities(info.name ?? info.title ?? 'file'),
        size: info.size ?? 0,
        contentType: info.mimetype ?? 'application/octet-stream',
        permalink: info.permalink ?? info.url_private ?? '',
      });
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      if (code !== 'file_not_found' && code !== 'file_deleted')
        log(`slack: files.info failed: ${faultMessage(error)}`, error);
      seen.push({ fileId: shared.id, name: decodeEntities(shared.name ?? ''), gone: true });
    }
  }
  return seen;
}

/**
 * An agent's reply files from the modal's file_input: Slack has them, deskbolt needs their bytes (to
 * keep them with the ticket and send them on by email), read at url_private_download with the bot
 * token. A file whose size is over `maxBytes` is not downloaded: it is passed on with no bytes, so the
 * limit refuses it by its size.
 */
export async function downloadSlackFiles(
  token: string,
  files: readonly SlackFileInfo[],
  maxBytes: number,
): Promise<IncomingFile[]> {
  const loaded: IncomingFile[] = [];
  for (const file of files) {
    const name = decodeEntities(file.name ?? file.title ?? 'file');
    const url = file.url_private_download ?? file.url_private;
    if ((file.size ?? 0) > maxBytes) {
      loaded.push({ name, bytes: Buffer.alloc(0), declaredType: file.mimetype, announcedSize: file.size });
      continue;
    }
    const response = url
      ? await fetch(url, { headers: { Authorization: `Bearer ${token}` }, redirect: 'manual' }).catch(() => null)
      : null;
    if (!response?.ok) {
      loaded.push({ name, bytes: Buffer.alloc(0), unreadable: true });
      continue;
    }
    loaded.push({ name, bytes: Buffer.from(await response.arrayBuffer()), declaredType: file.mimetype });
  }
  return loaded;
}

/** Refused files, one line each, in Slack's words (names escaped: `<!channel>.pdf` pings nobody). */
export function refusedFilesText(desk: Desk, refused: readonly Refusal[]): string {
  return refused.map((refusal) => describeRefusal(refusal, slackWords(desk.directory))).join('\n');
}

/**
 * Shares stored files in a conversation with Slack's current upload flow: an upload URL per file
 * (files.getUploadURLExternal), the bytes POSTed there, then one files.completeUploadExternal that
 * shares them all with `text` as their message. files.upload is retired.
 */
export async function uploadToSlack(
  client: WebClient,
  where: { channel: string; threadTs?: string | undefined },
  files: readonly { name: string; bytes: Buffer }[],
  text: string,
): Promise<string[]> {
  const ids: { id: string; title: string }[] = [];
  for (const file of files) {
    const slot = await client.files.getUploadURLExternal({ filename: file.name, length: file.bytes.length });
    if (!slot.upload_url || !slot.file_id) throw new Error('files.getUploadURLExternal gave no upload URL');
    const sent = await fetch(slot.upload_url, {
      method: 'POST',
      body: new Uint8Array(file.bytes),
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (!sent.ok) throw new Error(`uploading ${file.name} to Slack failed with HTTP ${sent.status}`);
    ids.push({ id: slot.file_id, title: file.name });
  }
  await client.files.completeUploadExternal({
    files: ids as [{ id: string; title: string }],
    channel_id: where.channel,
    ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
    ...(text ? { initial_comment: text } : {}),
  } as never);
  return ids.map((file) => file.id);
}
