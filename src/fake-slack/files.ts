import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Args = Record<string, any>;
type Answer = Record<string, any>;

/**
 * Slack's file upload flow and file downloads, as the fake answers them:
 * 1. `files.getUploadURLExternal` (filename, length) → an upload_url and a file id;
 * 2. a POST of the bytes to that URL (raw or multipart; Slack answers 200);
 * 3. `files.completeUploadExternal` (files: [{id, title}], channel_id, thread_ts, initial_comment)
 *    shares them, as one message, where it is told.
 * Source: docs.slack.dev/reference/methods/files.getUploadURLExternal and
 * docs.slack.dev/reference/methods/files.completeUploadExternal ("Uploading files" in
 * docs.slack.dev/messaging/working-with-files). `files.upload` was retired on 2025-11-12
 * (docs.slack.dev/changelog/2024-04-a-better-way-to-upload-files-is-here-to-stay), so the fake
 * answers it as an unknown method.
 * A file's bytes are read at its `url_private_download` with the bot token in an Authorization
 * header (docs.slack.dev/messaging/working-with-files, "Authentication for downloading files").
 */
export interface FileBytesHost {
  origin: string;
  token: string;
  /** Remembers a file as files.info will describe it. */
  addFile(file: {
    id: string;
    name: string;
    mimetype: string;
    filetype: string;
    size: number;
    title?: string;
    user?: string;
    content?: Buffer;
  }): void;
  fileContent(id: string): Buffer | undefined;
  /** Posts the bot's message carrying shared files; undefined when the channel is unknown. */
  postFiles(
    channel: string,
    content: { text: string; thread_ts?: string; files: string[] },
  ): { channel: string; ts: string } | undefined;
}

/** Slack caps one file at 1 GB (slack.com/help/articles/201330736, "Add files to Slack"). */
export const SLACK_FILE_MAX_BYTES = 1024 * 1024 * 1024;
/** completeUploadExternal shares at most 100 files per call (its `files` argument in the method's reference). */
export const COMPLETE_UPLOAD_MAX_FILES = 100;

interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  bytes: Buffer | null;
}

const MIMETYPES: Record<string, [string, string]> = {
  pdf: ['application/pdf', 'pdf'],
  png: ['image/png', 'png'],
  jpg: ['image/jpeg', 'jpg'],
  jpeg: ['image/jpeg', 'jpg'],
  gif: ['image/gif', 'gif'],
  txt: ['text/plain', 'text'],
  html: ['text/html', 'html'],
  zip: ['application/zip', 'zip'],
};

export class FakeFileUploads {
  private readonly pending = new Map<string, PendingUpload>();
  private counter = 0;

  constructor(private readonly host: FileBytesHost) {}

  /**
   * `filename` and `length` are required (the method's reference). The error names for a missing
   * argument (invalid_arguments) and for a file over Slack's 1 GB (file_too_large) are not listed in
   * the reference this fake was checked against: they are the fake's best guess, and a test relies on
   * the refusal, not on its name.
   */
  getUploadUrl(args: Args): Answer {
    const length = Number(args.length);
    if (typeof args.filename !== 'string' || args.filename === '' || !Number.isInteger(length) || length <= 0)
      return { ok: false, error: 'invalid_arguments' };
    if (length > SLACK_FILE_MAX_BYTES) return { ok: false, error: 'file_too_large' };
    const id = `F${(++this.counter).toString(36).toUpperCase().padStart(6, '0')}${randomBytes(2).toString('hex').toUpperCase()}`;
    this.pending.set(id, { id, filename: args.filename, length, bytes: null });
    return { ok: true, upload_url: `${this.host.origin}/upload/v1/${id}`, file_id: id };
  }

  /**
   * Shares uploaded files (`files` required: [{id, title?}]; `channel_id`, `thread_ts` — the parent's
   * ts, never a reply's — and `initial_comment` optional; the method's reference). A file id never
   * uploaded, or already shared, is `file_not_found`; one whose uploaded size differs from the length
   * announced is refused too (file_upload_size_mismatch: the fake's name, not one from the reference).
   */
  completeUpload(args: Args): Answer {
    let files: unknown = args.files;
    if (typeof files === 'string') {
      try {
        files = JSON.parse(files);
      } catch {
        return { ok: false, error: 'invalid_arguments' };
      }
    }
    if (!Array.isArray(files) || files.length === 0 || files.length > COMPLETE_UPLOAD_MAX_FILES)
      return { ok: false, error: 'invalid_arguments' };
    const uploads: { upload: PendingUpload; title: string }[] = [];
    for (const entry of files as { id?: unknown; title?: unknown }[]) {
      const upload = typeof entry?.id === 'string' ? this.pending.get(entry.id) : undefined;
      if (!upload?.bytes) return { ok: false, error: 'file_not_found' };
      if (upload.bytes.length !== upload.length) return { ok: false, error: 'file_upload_size_mismatch' };
      uploads.push({ upload, title: typeof entry.title === 'string' && entry.title ? entry.title : upload.filename });
    }
    for (const { upload, title } of uploads) {
      const extension = upload.filename.split('.').at(-1)?.toLowerCase() ?? '';
      const [mimetype, filetype] = MIMETYPES[extension] ?? ['application/octet-stream', 'binary'];
      this.host.addFile({
        id: upload.id,
        name: upload.filename,
        title,
        mimetype,
        filetype,
        size: upload.length,
        content: upload.bytes!,
      });
      this.pending.delete(upload.id);
    }
    const shared = uploads.map(({ upload, title }) => ({ id: upload.id, title }));
    if (typeof args.channel_id === 'string' && args.channel_id !== '') {
      const text = typeof args.initial_comment === 'string' ? args.initial_comment : '';
      const posted = this.host.postFiles(args.channel_id, {
        text,
        ...(typeof args.thread_ts === 'string' && args.thread_ts !== '' ? { thread_ts: args.thread_ts } : {}),
        files: shared.map((file) => file.id),
      });
      if (!posted) return { ok: false, error: 'channel_not_found' };
    }
    return { ok: true, files: shared };
  }

  /** The upload URL and private file URLs; true when the request was one of them. */
  async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (url.pathname.startsWith('/upload/v1/') && req.method === 'POST') {
      const upload = this.pending.get(url.pathname.slice('/upload/v1/'.length));
      const body = await readBytes(req);
      if (!upload) return answer(res, 404, 'text/plain', 'not found');
      upload.bytes = contentOf(body, String(req.headers['content-type'] ?? ''));
      return answer(res, 200, 'text/plain', `OK - ${upload.bytes.length}`);
    }
    if (url.pathname.startsWith('/files-pri/') && req.method === 'GET') {
      // Without the bot token Slack answers a login page, not the file.
      if (req.headers.authorization !== `Bearer ${this.host.token}`)
        return answer(res, 302, 'text/html', '<html>sign in</html>');
      const id = url.pathname.split('/')[2]?.split('-').at(-1) ?? '';
      const content = this.host.fileContent(id);
      if (!content) return answer(res, 404, 'text/plain', 'file not found');
      return answer(res, 200, 'application/octet-stream', content);
    }
    return false;
  }
}

/** Answers, and says the request was the fake's file routes'. */
function answer(res: ServerResponse, status: number, type: string, body: string | Buffer): true {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
  return true;
}

function readBytes(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The file's bytes from a raw body or from the first part of a multipart one. */
function contentOf(body: Buffer, contentType: string): Buffer {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!contentType.startsWith('multipart/form-data') || !boundary) return body;
  const marker = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const start = body.indexOf(marker);
  const headersEnd = body.indexOf('\r\n\r\n', start);
  const end = body.indexOf(Buffer.concat([Buffer.from('\r\n'), marker]), headersEnd);
  return start < 0 || headersEnd < 0 || end < 0 ? body : body.subarray(headersEnd + 4, end);
}
