/**
 * One object answering the queries of several per-collection stores, as callers knew a room's store
 * before it was cut into one file per collection (`store.chats` answers for chats, their transfers,
 * availability, parked and relayed messages). Each part keeps its own models; a name two parts share
 * is a mistake, refused at start.
 */
export function joined<A extends object, B extends object>(a: A, b: B): A & B;
export function joined<A extends object, B extends object, C extends object>(a: A, b: B, c: C): A & B & C;
export function joined<A extends object, B extends object, C extends object, D extends object, E extends object>(
  a: A,
  b: B,
  c: C,
  d: D,
  e: E,
): A & B & C & D & E;
export function joined<
  A extends object,
  B extends object,
  C extends object,
  D extends object,
  E extends object,
  F extends object,
>(a: A, b: B, c: C, d: D, e: E, f: F): A & B & C & D & E & F;
export function joined(...parts: object[]): object {
  const whole: Record<string, unknown> = {};
  for (const part of parts) {
    for (
      let shape = Object.getPrototypeOf(part);
      shape && shape !== Object.prototype;
      shape = Object.getPrototypeOf(shape)
    ) {
      for (const name of Object.getOwnPropertyNames(shape)) {
        const query = (part as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof query !== 'function') continue;
        if (name in whole) throw new Error(`two stores answer ${name}`);
        whole[name] = query.bind(part);
      }
    }
  }
  return whole;
}
