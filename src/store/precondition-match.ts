/**
 * MongoDB's query semantics for the few operators a ticket precondition uses, evaluated on a
 * document already read: equality (null also matching a missing field), $in, $lte, $ne, $exists, and
 * dotted paths. Used only where the store holds the write guard across the read and the write (see
 * write-guard.ts); any other operator throws, so a new kind of precondition cannot be checked wrongly.
 */
type Condition = Record<string, unknown>;

function valueAt(document: unknown, path: string): unknown {
  let value: unknown = document;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function sameValue(actual: unknown, expected: unknown): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (expected instanceof Date) return actual instanceof Date && actual.getTime() === expected.getTime();
  if (typeof expected === 'object') return JSON.stringify(actual) === JSON.stringify(expected);
  return actual === expected;
}

function isOperatorCondition(value: unknown): value is Condition {
  return (
    value !== null &&
    typeof value === 'object' &&
    !(value instanceof Date) &&
    !Array.isArray(value) &&
    Object.keys(value).every((key) => key.startsWith('$'))
  );
}

function comparable(value: unknown): number | string | undefined {
  if (value instanceof Date) return value.getTime();
  return typeof value === 'number' || typeof value === 'string' ? value : undefined;
}

function satisfies(actual: unknown, operator: string, operand: unknown): boolean {
  switch (operator) {
    case '$in':
      return (operand as unknown[]).some((candidate) => sameValue(actual, candidate));
    case '$ne':
      return !sameValue(actual, operand);
    case '$exists':
      return (actual !== undefined) === Boolean(operand);
    case '$lte':
    case '$lt':
    case '$gt':
    case '$gte': {
      const left = comparable(actual);
      const right = comparable(operand);
      if (left === undefined || right === undefined || typeof left !== typeof right) return false;
      if (operator === '$lt') return left < right;
      if (operator === '$lte') return left <= right;
      if (operator === '$gt') return left > right;
      return left >= right;
    }
    default:
      throw new Error(`precondition operator ${operator} is not supported by the serialized-write path`);
  }
}

export function matchesPrecondition(document: unknown, filter: Condition): boolean {
  return Object.entries(filter).every(([path, expected]) => {
    const actual = valueAt(document, path);
    if (isOperatorCondition(expected))
      return Object.entries(expected).every(([operator, operand]) => satisfies(actual, operator, operand));
    return sameValue(actual, expected);
  });
}
