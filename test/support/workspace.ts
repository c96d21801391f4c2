import { type Workspace, workspaceSchema } from '../../src/workspace/schema.js';

/** The people of the test stories: Billing (10) and PayOps (20). */
export const people = {
  ana: 'UANA0001',
  ben: 'UBEN0002',
  cho: 'UCHO0003',
  lead: 'ULEAD004',
  payops: 'UPAY0005',
  customer: 'UCUST006',
  outsider: 'UOUT0007',
} as const;

export const channels = {
  billingAlerts: 'CBILLALERT',
  payopsAlerts: 'CPAYALERT',
  billingIntake: 'CBILLHELP',
} as const;

export function testWorkspace(overrides: Partial<Record<keyof Workspace, unknown>> = {}): Workspace {
  return workspaceSchema.parse({
    name: 'Acme Support',
    groups: [
      { name: 'Billing', id: 10, alertChannel: channels.billingAlerts, intakeChannels: [channels.billingIntake] },
      { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts },
    ],
    agents: [
      { user: people.ana, name: 'Ana', groups: [10], role: 'agent' },
      { user: people.ben, name: 'Ben', groups: [10], role: 'agent' },
      { user: people.cho, name: 'Cho', groups: [10, 20], role: 'agent' },
      { user: people.lead, name: 'Lee', groups: [10], role: 'lead' },
      { user: people.payops, name: 'Pat', groups: [20], role: 'agent' },
    ],
    categories: [
      { name: 'Payments', subcategories: ['Refund', 'Chargeback'] },
      { name: 'Account', subcategories: ['Login', 'Profile'] },
    ],
    rootCauses: [
      { name: 'Card declined', keywords: ['declined', 'card'] },
      { name: 'User error', keywords: ['password', 'forgot'] },
    ],
    macros: [
      { name: 'Refund issued', text: 'We have issued a refund of {amount}.', form: { rootCause: 'Card declined' } },
    ],
    articles: [
      // The summary is workspace text with markup in it: the form must show it escaped.
      {
        title: 'Resetting your password',
        url: 'https://help.example.com/reset',
        keywords: ['password', 'login'],
        summary: 'Use *Forgot password* & check mail <!channel>',
      },
    ],
    ...overrides,
    // A chat started by DM goes to Billing unless a test says otherwise.
    chat: { defaultGroup: 10, ...(overrides.chat as object | undefined) },
  });
}

/** Every channel a workspace names (alert, queue, intake): where README's set-up invites the bot. */
export function workspaceChannels(workspace: Workspace): string[] {
  return [
    ...new Set(
      workspace.groups.flatMap((group) => [
        group.alertChannel,
        ...(group.queueChannel ? [group.queueChannel] : []),
        ...group.intakeChannels,
      ]),
    ),
  ];
}
