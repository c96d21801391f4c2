import express, { type Router } from 'express';
import type { Log } from '../log.js';
import type { Desk } from '../tickets/desk.js';
import { downloadFileName, openDownload } from '../tickets/files.js';
import { describeRefusal, refusalStatus } from '../tickets/refusals.js';

/** RFC 6266: an ASCII name for old clients, the exact one in RFC 5987 encoding for the rest. */
export function contentDisposition(name: string): string {
  const safe = downloadFileName(name);
  const ascii = safe.replace(/[^\x20-\x7e]/g, '_').replace(/[\\"]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(safe)}`;
}

/**
 * GET /files/:id — a stored file through a link minted for one viewer (docs/files.md). Always a
 * download, never a page: an HTML file must not run in the browser on deskbolt's origin, so it is
 * sent as an attachment, with nosniff and a sandboxing CSP in case a browser renders it anyway.
 */
export function fileDownloadRouter(desk: Desk, log: Log): Router {
  const router = express.Router();
  router.get('/files/:id', async (request, response) => {
    const query = request.query;
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    const secret = desk.settings.fileLinkSecret;
    response
      .set('Cache-Control', 'private, no-store')
      .set('X-Content-Type-Options', 'nosniff')
      .set('Referrer-Policy', 'no-referrer');
    if (!secret) {
      response.status(404).type('text/plain').send('File downloads are not set up on this deskbolt.\n');
      return;
    }
    try {
      const opened = await openDownload(desk, secret, {
        fileId: Buffer.from(String(request.params.id), 'base64url').toString(),
        viewer: text(query.viewer),
        expires: text(query.expires),
        signature: text(query.signature),
      });
      if (!opened.ok) {
        const words = describeRefusal(opened, {
          person: (id) => id,
          group: (id) => desk.directory.groupName(id),
          quote: (typed) => typed,
          code: (literal) => literal,
          groupList: () => '',
        });
        response.status(refusalStatus(opened)).type('text/plain').send(`${words}\n`);
        return;
      }
      response
        .status(200)
        .set('Content-Type', opened.file.contentType)
        .set('Content-Disposition', contentDisposition(opened.file.name))
        .set('Content-Security-Policy', "default-src 'none'; sandbox")
        .set('Content-Length', String(opened.bytes.length))
        .end(opened.bytes);
    } catch (error) {
      log(`files: download of ${String(request.params.id)} failed`, error);
      response.status(500).type('text/plain').send('The file could not be read; try again in a minute.\n');
    }
  });
  return router;
}
