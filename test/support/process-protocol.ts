/** Marks the lines a deskbolt test process (deskbolt-process.ts) says to its test (processes.ts), apart from any other output. */
export const PROTOCOL_PREFIX = '@@deskbolt ';
