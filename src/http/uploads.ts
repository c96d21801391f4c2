import busboy from 'busboy';
import type { Request } from 'express';
import type { IncomingFile } from '../tickets/files.js';

/** What a multipart request brought: its one JSON part, and its files (those over a limit without their bytes). */
export interface MultipartBody {
  json: unknown;
  files: IncomingFile[];
}

export class UploadProblem extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadLimits {
  maxFileBytes: number;
  maxFilesPerMessage: number;
  /** Bytes this request may still add to its ticket: beyond them a file is refused anyway, so it is not held. */
  budget: number;
}

/** Parts beyond these are not read at all: 100 files, the JSON part and a few stray fields. */
const MAX_PARTS = 110;
const JSON_PART_MAX = 64 * 1024;

export function isMultipart(request: Request): boolean {
  return (request.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
}

/**
 * Reads a multipart body as it streams in: the part named `jsonPart` as JSON, each file part into
 * memory only while it is within the per-file limit and the ticket's budget. A file over them is
 * counted to its end and its bytes dropped as they arrive, so a 2 GB upload never sits in memory;
 * it is then refused by its size with the rest kept. A body that announces more than any request
 * could keep is refused with 413 before a byte of it is read.
 */
export function readMultipart(request: Request, jsonPart: string, limits: UploadLimits): Promise<MultipartBody> {
  const announced = Number(request.get('content-length') ?? Number.NaN);
  const most = limits.maxFilesPerMessage * limits.maxFileBytes + JSON_PART_MAX + 1024 * 1024;
  if (Number.isFinite(announced) && announced > most) {
    return Promise.reject(
      new UploadProblem(
        413,
        `The body is ${(announced / 1024 / 1024).toFixed(1)} MB; a request can bring at most ${limits.maxFilesPerMessage} files of ${(limits.maxFileBytes / 1024 / 1024).toFixed(0)} MB.`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // preservePath: a name is kept as its sender gave it (shown as text, never used as a path; downloads save under a safe one).
      parser = busboy({
        headers: request.headers,
        preservePath: true,
        limits: { parts: MAX_PARTS, files: MAX_PARTS - 10, fields: 10, fieldSize: JSON_PART_MAX },
      });
    } catch (error) {
      reject(new UploadProblem(400, `The multipart body cannot be read: ${(error as Error).message}.`));
      return;
    }
    let json: unknown;
    let jsonProblem: string | null = null;
    let held = 0;
    const files: IncomingFile[] = [];
    const reading: Promise<void>[] = [];
    parser.on('field', (name, value, info) => {
      if (name !== jsonPart) return;
      if (info.valueTruncated) jsonProblem = `The “${jsonPart}” part is larger than ${JSON_PART_MAX / 1024} KB.`;
      try {
        json = JSON.parse(value);
      } catch {
        jsonProblem = `The “${jsonPart}” part is not valid JSON.`;
      }
    });
    parser.on('file', (_field, stream, info) => {
      const index = files.length;
      const file: IncomingFile = { name: info.filename ?? 'file', bytes: Buffer.alloc(0), declaredType: info.mimeType };
      files.push(file);
      const chunks: Buffer[] = [];
      let size = 0;
      let dropping = index >= limits.maxFilesPerMessage;
      reading.push(
        new Promise<void>((done, fail) => {
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (!dropping && (size > limits.maxFileBytes || held + size > limits.budget)) {
              dropping = true;
              chunks.length = 0;
            }
            if (!dropping) chunks.push(chunk);
          });
          stream.on('end', () => {
            if (dropping) file.announcedSize = size;
            else {
              file.bytes = Buffer.concat(chunks);
              held += size;
            }
            done();
          });
          stream.on('error', fail);
        }),
      );
    });
    parser.on('error', (error: Error) =>
      reject(new UploadProblem(400, `The multipart body cannot be read: ${error.message}.`)),
    );
    parser.on('close', () => {
      Promise.all(reading).then(() => {
        if (jsonProblem) reject(new UploadProblem(400, jsonProblem));
        else resolve({ json, files });
      }, reject);
    });
    request.pipe(parser);
  });
}
