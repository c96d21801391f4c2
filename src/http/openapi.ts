import { z } from 'zod';
import { apiSchemas } from './api-schemas.js';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the zod schemas the routes validate with
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12, which z.toJSONSchema writes).
 */
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** A body with files: its JSON as one part, and the files (docs/files.md has the limits). */
const multipart = (part: string, schema: string) => ({
  schema: {
    type: 'object',
    required: [part],
    properties: {
      [part]: {
        type: 'string',
        contentMediaType: 'application/json',
        contentSchema: ref(schema),
        description:
          'The same JSON as the application/json body; a comment’s text may be empty when files come with it.',
      },
      files: {
        type: 'array',
        items: { type: 'string', format: 'binary' },
        description:
          'Each file part is one attachment; over a limit it is refused (listed in the answer’s files.refused) and the rest kept.',
      },
    },
  },
});
const json = (id: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(id) } },
});
const error = (description: string) => json('Error', description);

const ticketNumber = {
  name: 'number',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
  description: 'The ticket number, as in #1004.',
};
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', minLength: 1, maxLength: 200 },
  description:
    'Send the same key when retrying: the request takes effect once. The same key with another body is a 409.',
};
const surveyToken = {
  name: 'token',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: 'The signed token from the survey link.',
};

const common = {
  '401': error('No API key, or an unknown one.'),
  // A ticket outside the key's scope is answered exactly as a missing one, so numbers tell nothing.
  '404': error('No such ticket, or one outside the key’s scope.'),
};
const malformed = error('The body is not JSON (malformed_json).');

let built: Record<string, unknown> | undefined;

export function openApiDocument(): Record<string, unknown> {
  built ??= build();
  return built;
}

/** A query schema's fields as OpenAPI query parameters (the same schema checks the request). */
function queryParameters(component: unknown): Record<string, unknown>[] {
  const { properties = {}, required = [] } = component as {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return {
      name,
      in: 'query',
      required: required.includes(name),
      schema: rest,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

function build(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(apiSchemas, {
    uri: (id) => `#/components/schemas/${id}`,
    io: 'input',
    unrepresentable: 'any',
  });
  const components: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // The document itself says which dialect; a $id per component would re-base its $refs.
    const { $schema, $id, ...rest } = schema as Record<string, unknown>;
    void $schema;
    void $id;
    components[id] = rest;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'deskbolt API',
      version: '1',
      description: 'Tickets from email and web forms into the help desk that lives in Slack.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }],
    paths: {
      '/api/v1/tickets': {
        get: {
          operationId: 'listTickets',
          summary: 'Tickets by filters, a page at a time',
          description:
            'Newest first unless order=oldest. Follow nextCursor for the next page; limit is 1 to 100. Only the tickets the key’s scope lets it see.',
          parameters: queryParameters(components.TicketListQuery),
          responses: {
            '200': json('TicketList', 'A page of tickets.'),
            '401': common['401'],
            '422': error('A query parameter is not valid; path names it.'),
          },
        },
        post: {
          operationId: 'createTicket',
          summary: 'File a ticket for a requester known by email',
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('CreateTicket') },
              'multipart/form-data': multipart('ticket', 'CreateTicket'),
            },
          },
          responses: {
            '201': json('TicketResponse', 'Filed.'),
            '200': json('TicketResponse', 'Filed before with this Idempotency-Key: the same ticket.'),
            '401': common['401'],
            '400': malformed,
            '403': error('The key may only read, or may not file in that group (its scope names groups).'),
            '404': error('Filed before with this Idempotency-Key, but the ticket is now outside the key’s scope.'),
            '409': error('The Idempotency-Key was used for another body.'),
            '413': error('The body is too large.'),
            '422': error('The body is not valid; path names the field.'),
          },
        },
      },
      '/api/v1/tickets.csv': {
        get: {
          operationId: 'exportTickets',
          summary: 'Tickets created in a date range, with their form fields and SLA, as CSV (streamed)',
          description: 'Only the tickets the key’s scope lets it see.',
          parameters: queryParameters(components.TicketExportQuery),
          responses: {
            '200': {
              description: 'One row per ticket, oldest first, after a header row.',
              content: { 'text/csv': { schema: { type: 'string' } } },
            },
            '401': common['401'],
            '422': error('A query parameter is missing or not valid; path names it.'),
          },
        },
      },
      '/api/v1/email/skipped': {
        get: {
          operationId: 'listSkippedEmail',
          summary: 'Mail read from a mailbox that became no ticket, newest first, with the reason',
          description:
            'Auto-replies, bounces, bulk mail, mail from deskbolt’s own addresses, a sender past the hourly limit, unreadable messages: the last 50. Keys whose scope is all only.',
          responses: {
            '200': {
              description: 'The skipped messages.',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['skipped'],
                    properties: {
                      skipped: {
                        type: 'array',
                        items: {
                          type: 'object',
                          required: ['at', 'mailbox', 'from', 'subject', 'reason', 'messageId'],
                          properties: {
                            at: { type: 'string', format: 'date-time' },
                            mailbox: { type: 'string' },
                            from: { type: ['string', 'null'] },
                            subject: { type: 'string' },
                            reason: { type: 'string' },
                            messageId: { type: ['string', 'null'] },
                          },
                        },
                      },
                    },
                  },
                },
              },
            },
            ...common,
            '403': error('The key’s scope is not all.'),
          },
        },
      },
      '/api/v1/tickets/{number}': {
        get: {
          operationId: 'getTicket',
          summary: 'A ticket with its public comments (never internal notes)',
          parameters: [ticketNumber],
          responses: { '200': json('TicketResponse', 'The ticket.'), ...common },
        },
      },
      '/api/v1/tickets/{number}/comments': {
        post: {
          operationId: 'addRequesterComment',
          summary: 'The requester wrote again',
          description: 'Reopens a pending or solved ticket; on a closed ticket a follow-up is opened.',
          parameters: [ticketNumber, idempotencyKey],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: ref('RequesterComment') },
              'multipart/form-data': multipart('comment', 'RequesterComment'),
            },
          },
          responses: {
            '201': json('CommentResponse', 'Added.'),
            '200': json('CommentResponse', 'Added before with this Idempotency-Key: nothing changed.'),
            ...common,
            '400': malformed,
            '403': error('The key may only read.'),
            '409': error('The Idempotency-Key was used for another reply.'),
            '413': error('The body is too large.'),
            '422': error('The body is not valid; path names the field.'),
          },
        },
      },
      '/api/v1/tickets/{number}/files': {
        get: {
          operationId: 'listTicketFiles',
          summary: 'The files of a ticket’s public comments (never an internal note’s)',
          parameters: [ticketNumber],
          responses: { '200': json('FileList', 'Its files, oldest first.'), ...common },
        },
      },
      '/api/v1/tickets/{number}/files/{fileId}': {
        get: {
          operationId: 'downloadTicketFile',
          summary: 'A stored file’s bytes, always as an attachment',
          parameters: [ticketNumber, { name: 'fileId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The bytes, with Content-Disposition: attachment and the type sniffed from them.',
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
            ...common,
          },
        },
      },
      '/api/v1/satisfaction/{token}': {
        get: {
          operationId: 'getSatisfaction',
          summary: 'The survey a requester was sent, with the answer so far',
          security: [],
          parameters: [surveyToken],
          responses: { '200': json('Satisfaction', 'The survey.'), '404': error('Unknown or forged link.') },
        },
        post: {
          operationId: 'answerSatisfaction',
          summary: 'Answer "How did we do?" (answering again replaces the answer)',
          security: [],
          parameters: [surveyToken],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SatisfactionAnswer') } } },
          responses: {
            '200': json('Satisfaction', 'Recorded.'),
            '400': malformed,
            '404': error('Unknown or forged link.'),
            '413': error('The body is too large.'),
            '422': error('The body is not valid.'),
          },
        },
      },
    },
    components: {
      schemas: components,
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A key listed (as its sha256) under apiKeys in the workspace file. Its scope there says which tickets it may see and touch: all; own (only the tickets it filed, and their follow-ups); or groups (tickets now in those groups, and it files only there). Any other ticket answers 404.',
        },
      },
    },
  };
}
