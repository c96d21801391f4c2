import { describe, expect, it } from 'vitest';
import { workspaceSchema } from '../src/workspace/schema.js';
import { channels, testWorkspace } from './support/workspace.js';

/** The workspace file's reminders and hand-back settings: off unless given, and a wrong value refused with where and why. */
function billing(extra: Record<string, unknown>) {
  return { name: 'Billing', id: 10, alertChannel: channels.billingAlerts, ...extra };
}

function parsed(extra: Record<string, unknown>) {
  return workspaceSchema.safeParse({
    ...testWorkspace(),
    groups: [billing(extra), { name: 'PayOps', id: 20, alertChannel: channels.payopsAlerts }],
  });
}

function refusal(extra: Record<string, unknown>): string {
  const result = parsed(extra);
  expect(result.success).toBe(false);
  return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('\n');
}

describe('reminders and hand-back settings in the workspace file', () => {
  it('are off unless given; a hand-back goes to the queue unless the group says otherwise', () => {
    const none = parsed({});
    expect(none.success).toBe(true);
    expect(none.data!.groups[0]).not.toHaveProperty('reminders');
    expect(none.data!.groups[0]).not.toHaveProperty('handBack');
    const given = parsed({
      reminders: {
        assigneeAfter: { urgent: 15, normal: 60 },
        leadAfter: { urgent: 30, normal: 240 },
        pendingRequesterBeforeCloseHours: 24,
        queueAlert: { olderThanMinutes: 30 },
      },
      handBack: { afterMinutes: 45 },
    });
    expect(given.success).toBe(true);
    expect(given.data!.groups[0]).toMatchObject({
      reminders: { assigneeAfter: { urgent: 15, normal: 60 }, pendingRequesterBeforeCloseHours: 24 },
      handBack: { afterMinutes: 45, to: 'queue' },
    });
  });

  it('refuses a wrong number, a misspelt priority, an operator for a value and a place that is not one, saying where', () => {
    expect(refusal({ reminders: { assigneeAfter: { normal: 0 } } })).toContain(
      'groups.0.reminders.assigneeAfter.normal',
    );
    expect(refusal({ reminders: { assigneeAfter: { normal: 1.5 } } })).toContain('expected int');
    expect(refusal({ reminders: { assigneeAfter: { norml: 60 } } })).toContain('norml');
    expect(refusal({ reminders: { assigneeAfter: { normal: { $gt: 1 } } } })).toContain(
      'groups.0.reminders.assigneeAfter.normal',
    );
    expect(refusal({ reminders: { queueAlert: {} } })).toContain('groups.0.reminders.queueAlert.olderThanMinutes');
    expect(refusal({ handBack: { afterMinutes: 30, to: 'nowhere' } })).toContain('groups.0.handBack.to');
    expect(refusal({ handBack: { to: 'queue' } })).toContain('groups.0.handBack.afterMinutes');
  });

  it('refuses a lead threshold that comes before the assignee’s', () => {
    expect(refusal({ reminders: { assigneeAfter: { high: 60 }, leadAfter: { high: 60 } } })).toBe(
      'groups.0.reminders.leadAfter.high: the lead is told after the assignee is reminded: more than assigneeAfter.high (60 minutes)',
    );
  });
});
