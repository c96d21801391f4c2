/**
 * Issue 15's goals and how far this run is from each: suites add what they measured, bench.ts prints
 * them after the tables. A goal is "at most" or "at least" a number.
 */
export interface Goal {
  what: string;
  goal: number;
  measured: number;
  unit: string;
  atLeast?: boolean;
  /** Why it is missed, when that is known (printed beside a missed goal). */
  why?: string;
}

export const goals: Goal[] = [];

export function addGoal(goal: Goal): void {
  goals.push(goal);
}

function format(value: number, unit: string): string {
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : 2;
  return `${value.toFixed(digits)}${unit === '' ? '' : ` ${unit}`}`;
}

export function printGoals(): void {
  if (goals.length === 0) return;
  console.log('\nGoals (issues 15 and 29), each with its distance:');
  for (const goal of goals) {
    const met = goal.atLeast ? goal.measured >= goal.goal : goal.measured <= goal.goal;
    const distance = met
      ? 'met'
      : `missed by ${format(Math.abs(goal.measured - goal.goal), goal.unit)}${goal.why ? ` (${goal.why})` : ''}`;
    console.log(
      `  ${met ? '✓' : '✗'} ${goal.what}: ${goal.atLeast ? '≥' : '≤'} ${format(goal.goal, goal.unit)}, measured ${format(goal.measured, goal.unit)}: ${distance}`,
    );
  }
}

/** A plain Markdown table, numbers right-aligned. */
export function printMarkdownTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((line) => line[column]!.length)));
  const line = (values: readonly string[]) =>
    `| ${values.map((value, column) => (column === 0 ? value.padEnd(widths[column]!) : value.padStart(widths[column]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((width, column) => (column === 0 ? '-'.repeat(width + 2) : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
  );
  for (const values of rows) console.log(line(values));
}
