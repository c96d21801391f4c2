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

  it('refuses two groups, categories, sub-categories of one category, root causes or macros of one name, with their paths', () => {
    const result = parseWorkspace(`
groups:
  - { name: Billing, id: 1, alertChannel: C0AAAAAAA }
  - { name: billing, id: 2, alertChannel: C0BBBBBBB }
chat: { defaultGroup: 1 }
categories:
  - { name: Payments, subcategories: [Refund, Chargeback, refund] }
  - { name: Payments, subcategories: [Refund] }
rootCauses:
  - { name: Card declined }
  - { name: Card Declined }
macros:
  - { name: Thanks, text: Thank you }
  - { name: Thanks, text: Thanks again }
`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([
        'groups[1].name: duplicates groups[0].name (names are compared ignoring case)',
        'categories[1].name: duplicates categories[0].name (names are compared ignoring case)',
        'categories[0].subcategories[2]: duplicates categories[0].subcategories[0] (names are compared ignoring case)',
        'rootCauses[1].name: duplicates rootCauses[0].name (names are compared ignoring case)',
        'macros[1].name: duplicates macros[0].name (names are compared ignoring case)',
      ]);
    }
  });

  it('refuses an article whose address Slack would not link (javascript:, file:)', () => {
    const withArticle = (url: string) =>
      parseWorkspace(`
groups:
  - { name: A, id: 1, alertChannel: C0AAAAAAA }
articles:
  - { title: Reset a password, url: "${url}" }
`);
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd']) {
      const result = withArticle(url);
      expect(result.ok, url).toBe(false);
      if (!result.ok) expect(result.problems).toEqual(['articles[0].url: expected an http:// or https:// URL']);
    }
    expect(withArticle('https://help.example.com/reset').ok).toBe(true);
  });

  it('refuses a file that is not YAML, or missing', async () => {
    expect(parseWorkspace('groups: [').ok).toBe(false);
    const missing = await loadWorkspaceFile('does/not/exist.yml');
    expect(missing.ok === false && missing.problems[0]).toBe('does/not/exist.yml: cannot be read (ENOENT)');
  });
});
