import { describe, expect, it } from 'vitest';
import { parseWorkspace } from '../src/workspace/loader.js';

/** The workspace file's `routing` per group: off unless it says so, checked at load like every other field. */
describe('routing in the workspace file', () => {
  const withRouting = (routing: string) =>
    parseWorkspace(`
groups:
  - { name: Billing, id: 1, alertChannel: C0AAAAAAA${routing} }
agents:
  - { user: U0ANA0001, name: Ana, groups: [1] }
`);

  it('is off by default, and takes its defaults when only the mode is given', () => {
    const none = withRouting('');
    expect(none.ok && none.workspace.groups[0]!.routing).toBeUndefined();
    const roundRobin = withRouting(', routing: { mode: round-robin }');
    expect(roundRobin.ok && roundRobin.workspace.groups[0]!.routing).toEqual({
      mode: 'round-robin',
      cap: 10,
      caps: {},
      offerTimeoutMinutes: 5,
    });
  });

  it('refuses an unknown mode, a negative cap, no time to answer, an unknown key, and a cap for someone not in the group, with their paths', () => {
    const result = withRouting(
      ', routing: { mode: random, cap: -1, offerTimeoutMinutes: 0, every: 3, caps: { U0ANA0001: 0, U0BEN0002: 2 } }',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      expect.stringMatching(
        /^groups\[0\]\.routing\.mode: Invalid option: expected one of "off"\|"round-robin"\|"least-busy"/,
      ),
      expect.stringMatching(/^groups\[0\]\.routing\.cap: Too small/),
      expect.stringMatching(/^groups\[0\]\.routing\.offerTimeoutMinutes: Too small/),
      expect.stringMatching(/^groups\[0\]\.routing: Unrecognized key: "every"/),
    ]);
    const caps = withRouting(', routing: { mode: least-busy, caps: { U0ANA0001: 0, U0BEN0002: 2 } }');
    expect(caps.ok).toBe(false);
    if (!caps.ok)
      expect(caps.problems).toEqual(['groups[0].routing.caps.U0BEN0002: U0BEN0002 is not an agent of Billing']);
  });
});
