import { beforeAll, describe, expect, it } from 'vitest';
import { createApiRouter } from '../src/http/api.js';
import { useTestDesk } from './support/use-test-desk.js';

/** Keywords of JSON Schema 2020-12 (core, applicator, validation, format, meta-data): anything else is not a schema. */
const JSON_SCHEMA_KEYWORDS = new Set([
  '$ref',
  '$defs',
  '$comment',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'default',
  'description',
  'title',
  'examples',
  'readOnly',
  'writeOnly',
  'deprecated',
  'multipleOf',
  'uniqueItems',
  'patternProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
]);
const JSON_TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);

function problemsOfSchema(schema: unknown, at: string, out: string[]): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    out.push(`${at}: not a schema object`);
    return;
  }
  for (const [keyword, value] of Object.entries(schema)) {
    if (!JSON_SCHEMA_KEYWORDS.has(keyword)) out.push(`${at}: unknown keyword ${keyword}`);
    if (keyword === 'type')
      for (const type of [value].flat())
        if (!JSON_TYPES.has(type as string)) out.push(`${at}: bad type ${String(type)}`);
    if (keyword === 'properties' || keyword === '$defs')
      for (const [name, sub] of Object.entries(value as object)) problemsOfSchema(sub, `${at}/${keyword}/${name}`, out);
    if (['items', 'not', 'additionalProperties'].includes(keyword) && typeof value === 'object')
      problemsOfSchema(value, `${at}/${keyword}`, out);
    if (['anyOf', 'oneOf', 'allOf', 'prefixItems'].includes(keyword))
      for (const [i, sub] of (value as unknown[]).entries()) problemsOfSchema(sub, `${at}/${keyword}/${i}`, out);
    if (
      keyword === 'required' &&
      (!Array.isArray(value) || value.some((name) => !(name in ((schema as { properties?: object }).properties ?? {}))))
    )
      out.push(`${at}: required names a missing property`);
  }
}

function pointer(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>(
      (node, part) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined),
      document,
    );
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refsIn(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  let document: any;
  const desk = useTestDesk();
  beforeAll(async () => {
    const response = await fetch(`http://127.0.0.1:${desk.deskbolt.port}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    document = await response.json();
  });

  it('is OpenAPI 3.1 with info and the bearer scheme', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.components.securitySchemes.apiKey).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
  });

  it('documents every route the API serves, and no route it does not', () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations as object).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const served = (createApiRouter({ desk: desk.deskbolt.desk, log: () => {} }) as any).stack
      .filter((layer: any) => layer.route && layer.route.path !== '/openapi.json')
      .flatMap((layer: any) =>
        Object.keys(layer.route.methods).map(
          (method) => `${method.toUpperCase()} /api/v1${layer.route.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      );
    expect(documented.sort()).toEqual(served.sort());
    expect(documented.sort()).toEqual(
      [
        'POST /api/v1/tickets',
        'GET /api/v1/tickets',
        'GET /api/v1/tickets.csv',
        'GET /api/v1/tickets/{number}',
        'POST /api/v1/tickets/{number}/comments',
        'GET /api/v1/tickets/{number}/files',
        'GET /api/v1/tickets/{number}/files/{fileId}',
        'GET /api/v1/satisfaction/{token}',
        'POST /api/v1/satisfaction/{token}',
        'GET /api/v1/email/skipped',
      ].sort(),
    );
    for (const operations of Object.values(document.paths) as any[]) {
      for (const operation of Object.values(operations) as any[]) {
        expect(operation.operationId).toEqual(expect.any(String));
        expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
        for (const parameter of operation.parameters ?? [])
          if (parameter.in === 'path') expect(parameter.required).toBe(true);
      }
    }
  });

  it('has request and response schemas that are JSON Schemas, with every $ref resolving', () => {
    const problems: string[] = [];
    for (const [id, schema] of Object.entries(document.components.schemas))
      problemsOfSchema(schema, `#/components/schemas/${id}`, problems);
    expect(problems).toEqual([]);
    const refs = refsIn(document);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(pointer(document, ref), ref).toBeDefined();
  });

  it('lists the 400 for a body that is not JSON on every route that takes one, and says what a key’s scope lets it see', () => {
    const withBodies = Object.values(document.paths)
      .flatMap((operations: any) => Object.values(operations))
      .filter((operation: any) => operation.requestBody);
    expect(withBodies.length).toBe(3);
    for (const operation of withBodies as any[])
      expect(operation.responses['400'], operation.operationId).toEqual({
        description: expect.stringContaining('not JSON'),
        content: expect.any(Object),
      });
    expect(document.components.securitySchemes.apiKey.description).toMatch(/scope.*own.*groups.*404/s);
    expect(document.paths['/api/v1/tickets/{number}'].get.responses['404'].description).toContain(
      'outside the key’s scope',
    );
  });

  it('says what the validation says: required fields, strings only, limits', () => {
    const create = document.components.schemas.CreateTicket;
    expect(create.required).toEqual(expect.arrayContaining(['subject', 'requester']));
    expect(create.additionalProperties).toBe(false);
    expect(create.properties.subject).toMatchObject({ type: 'string', maxLength: 150 });
    expect(create.properties.requester).toEqual({ $ref: '#/components/schemas/EmailRequester' });
    expect(document.components.schemas.EmailRequester.properties.email).toMatchObject({
      type: 'string',
      format: 'email',
    });
    expect(document.components.schemas.Error.properties.error.properties.code.enum).toContain('validation_failed');
    expect(document.paths['/api/v1/tickets'].post.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateTicket',
    });
  });
});
