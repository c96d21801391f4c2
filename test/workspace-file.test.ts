import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadWorkspaceFile, parseWorkspace } from '../src/workspace/loader.js';

describe('the workspace file', () => {
  it('loads the example shipped in examples/workspace.yml', async () => {
    const result = await loadWorkspaceFile('examples/workspace.yml');
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.workspace.groups.map((group) => group.id)).toEqual([10, 20, 30]);
  });

  it('refuses a bad field with its path, one line per problem', async () => {
    const text = (await readFile('examples/workspace.yml', 'utf8')).replace('id: 30', 'id: thirty');
    const result = parseWorkspace(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toContain('groups[2].id: Invalid input: expected number, received string');
  });

  it('refuses an agent in a group that does not exist, and a duplicate group id', () => {
    const result = parseWorkspace(`
groups:
  - { name: A, id: 1, alertChannel: C0AAAAAAA }
  - { name: B, id: 1, alertChannel: C0BBBBBBB }
agents:
  - { user: U0XXXXXXX, name: X, groups: [7] }
`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([
        'groups[1].id: duplicates groups[0].id',
        'chat.defaultGroup: with several groups, say which one gets chats started by DM (chat.defaultGroup), or offer chat.topics',
        'agents[0].groups[0]: no group has id 7',
      ]);
    }
  });

  it('refuses a file that is not YAML, or missing', async () => {
    expect(parseWorkspace('groups: [').ok).toBe(false);
    const missing = await loadWorkspaceFile('does/not/exist.yml');
    expect(missing.ok === false && missing.problems[0]).toBe('does/not/exist.yml: cannot be read (ENOENT)');
  });
});
