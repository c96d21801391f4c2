import type { DatabaseCommand } from './command-watch.js';

/**
 * The shape of a query — which fields it matches by equality, which by range, how it sorts — and
 * whether an index serves it the way MongoDB would: equality fields first, then the sort, then the
 * ranges (MongoDB's ESR guideline, https://www.mongodb.com/docs/manual/tutorial/equality-sort-range-guideline/).
 * The index-coverage test holds every query the suite sends to the indexes the store declares, so a
 * new query no index serves fails CI instead of scanning a production desk.
 */
export type IndexKeys = readonly (readonly [field: string, direction: 1 | -1])[];
export type DeclaredIndexes = ReadonlyMap<string, readonly IndexKeys[]>;

export interface QueryShape {
  collection: string;
  /** Matched by a value, `$eq` or `$in`. */
  equality: string[];
  /** Matched by `$lt`, `$gte`, `$ne`, `$exists`, `$regex`, … */
  range: string[];
  sort: IndexKeys;
  /** Something no index can answer (`$expr`, `$where`, `$text` without a text index). */
  unindexable: string[];
}

/**
 * Sent as the `comment` of a read that no index can serve in every form it takes — a search over any
 * combination of filters and words — and is bounded instead: it has a limit and pages on from where
 * the last page ended. The index-coverage check lets such a read through only with its limit.
 */
export const BOUNDED_READ = 'bounded read: any filter combination, paged by a limit';

/** Operators that pin a field to values an index can seek to. */
const EQUALITY_OPERATORS = new Set(['$eq', '$in']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof RegExp) &&
    (value as object).constructor === Object
  );
}

/** The driver hands a find's sort over as a Map (it keeps the keys' order that way); an aggregate's $sort is an object. */
function sortObject(sort: unknown): Record<string, unknown> | undefined {
  if (sort instanceof Map) return Object.fromEntries(sort);
  return isPlainObject(sort) ? sort : undefined;
}

/** The query shapes of one command: none for inserts and bookkeeping, one per statement of an update or delete. */
export function queryShapes(command: DatabaseCommand): QueryShape[] {
  const collection = command.collection;
  if (!collection) return [];
  const body = command.body;
  if (body.comment === BOUNDED_READ && typeof body.limit === 'number' && body.limit > 0) return [];
  // "Is there any document at all?" (GridFS asks it before its first upload) reads one document, whatever the collection holds.
  if (
    command.name === 'find' &&
    body.limit === 1 &&
    isPlainObject(body.filter) &&
    Object.keys(body.filter).length === 0 &&
    body.sort === undefined
  )
    return [];
  const shapes = (filter: unknown, sort?: unknown) =>
    shapesOfFilter(collection, isPlainObject(filter) ? filter : {}, sortObject(sort));
  switch (command.name) {
    case 'find':
      return shapes(body.filter, body.sort);
    case 'findAndModify':
      return shapes(body.query, body.sort);
    case 'count':
    case 'distinct':
      return shapes(body.query);
    case 'aggregate': {
      const pipeline = Array.isArray(body.pipeline) ? (body.pipeline as Record<string, unknown>[]) : [];
      const match = pipeline[0]?.$match;
      const sortStage = pipeline[match === undefined ? 0 : 1]?.$sort;
      return shapes(match ?? {}, sortStage);
    }
    case 'update':
      return ((body.updates as { q?: unknown }[] | undefined) ?? []).flatMap((statement) => shapes(statement.q));
    case 'delete':
      return ((body.deletes as { q?: unknown }[] | undefined) ?? []).flatMap((statement) => shapes(statement.q));
    default:
      return [];
  }
}

function shapesOfFilter(
  collection: string,
  filter: Record<string, unknown>,
  sort: Record<string, unknown> | undefined,
): QueryShape[] {
  const sortKeys: IndexKeys = Object.entries(sort ?? {}).map(
    ([field, direction]) => [field, Number(direction) < 0 ? -1 : 1] as const,
  );
  // Each branch of an $or is a query of its own (MongoDB plans each branch on its own index).
  return branches(filter).map((branch) => {
    const shape: QueryShape = { collection, equality: [], range: [], sort: sortKeys, unindexable: [] };
    addConditions(shape, branch);
    shape.equality = [...new Set(shape.equality)].sort();
    shape.range = [...new Set(shape.range)].filter((field) => !shape.equality.includes(field)).sort();
    return shape;
  });
}

/** The filter as a list of $or-free conjunctions. */
function branches(filter: Record<string, unknown>): Record<string, unknown>[] {
  let result: Record<string, unknown>[] = [{}];
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$or' && Array.isArray(value)) {
      const alternatives = value.filter(isPlainObject).flatMap((alternative) => branches(alternative));
      result = result.flatMap((partial) =>
        alternatives.map((alternative) => ({
          ...partial,
          $and: [...((partial.$and as unknown[]) ?? []), alternative],
        })),
      );
    } else {
      result = result.map((partial) => ({ ...partial, [key]: value }));
    }
  }
  return result;
}

function addConditions(shape: QueryShape, filter: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const part of value) if (isPlainObject(part)) addConditions(shape, part);
    } else if (key.startsWith('$')) {
      shape.unindexable.push(key);
    } else if (
      isPlainObject(value) &&
      Object.keys(value).length > 0 &&
      Object.keys(value).every((operator) => operator.startsWith('$'))
    ) {
      const operators = Object.keys(value);
      if (operators.every((operator) => EQUALITY_OPERATORS.has(operator))) shape.equality.push(key);
      else shape.range.push(key);
    } else if (value instanceof RegExp) {
      shape.range.push(key);
    } else {
      shape.equality.push(key);
    }
  }
}

/**
 * The index of `indexes` that serves `shape`, or null. Served means: the _id is pinned (the unique
 * _id index finds one document), or an index whose leading keys are all the equality fields (in any
 * order), followed by the sort's keys in order (all in the index's direction or all reversed), with
 * every range field among the keys after that. A filter field the index does not hold would be
 * checked on every document the index walks to, so it is not served.
 */
export function servingIndex(shape: QueryShape, indexes: readonly IndexKeys[]): IndexKeys | null {
  if (shape.unindexable.length > 0) return null;
  if (shape.equality.includes('_id')) return [['_id', 1]];
  const equality = new Set(shape.equality);
  const sort = shape.sort.filter(([field]) => !equality.has(field));
  if (equality.size === 0 && sort.length === 0 && shape.range.length === 0) return null;
  for (const index of [[['_id', 1]] as IndexKeys, ...indexes]) {
    if (serves(index, equality, sort, shape.range)) return index;
  }
  return null;
}

function serves(index: IndexKeys, equality: ReadonlySet<string>, sort: IndexKeys, range: readonly string[]): boolean {
  let position = 0;
  while (position < index.length && equality.has(index[position]![0])) position++;
  if (position !== equality.size) return false;
  if (sort.length > 0) {
    const keys = index.slice(position, position + sort.length);
    if (keys.length < sort.length || keys.some(([field], at) => field !== sort[at]![0])) return false;
    const forward = keys.every(([, direction], at) => direction === sort[at]![1]);
    const reversed = keys.every(([, direction], at) => direction === -sort[at]![1]);
    if (!forward && !reversed) return false;
  }
  const sorted = new Set(sort.map(([field]) => field));
  const after = new Set(index.slice(position).map(([field]) => field));
  return range.every((field) => after.has(field) || sorted.has(field));
}

/** One line a person reads in a failure: `tickets { groupId, assignee = ; createdAt > ; sort number 1 }`. */
export function describeShape(shape: QueryShape): string {
  const parts = [
    ...shape.equality.map((field) => `${field} =`),
    ...shape.range.map((field) => `${field} ~`),
    ...(shape.sort.length > 0
      ? [`sort ${shape.sort.map(([field, direction]) => `${field} ${direction}`).join(', ')}`]
      : []),
    ...shape.unindexable,
  ];
  return `${shape.collection} { ${parts.join('; ') || 'everything'} }`;
}

/** The same shape, whatever the values: the key the suite's recorder keeps one entry under. */
export function shapeKey(shape: QueryShape): string {
  return describeShape(shape);
}
