import { escapeMrkdwn } from '../../blocks/text.js';
import type { Desk } from '../tickets/desk.js';
import { describeRefusal, type Refusal, type RefusalWords } from '../tickets/refusals.js';
import type { Directory } from '../workspace/directory.js';

/** Refusals in Slack: people as mentions, typed text escaped (it can never ping or link), commands as code. */
export function slackWords(directory: Directory): RefusalWords {
  return {
    person: (userId) => `<@${userId}>`,
    group: (groupId) => escapeMrkdwn(directory.groupName(groupId)),
    quote: (text) => escapeMrkdwn(text),
    code: (text) => `\`${text.replace(/`/g, "'")}\``,
    groupList: () =>
      directory
        .groups()
        .map((group) => `${escapeMrkdwn(group.name)} (${group.id})`)
        .join(', '),
  };
}

/** The refusal as mrkdwn for the person who asked. */
export function refusalText(desk: Desk, refusal: Refusal): string {
  return describeRefusal(refusal, slackWords(desk.directory));
}

/**
 * The refusal for a modal's field error: Slack shows errors as plain text, so there is nothing to
 * escape, and a mention would show as its raw `<@U…>`: people are named instead.
 */
export function refusalPlainText(desk: Desk, refusal: Refusal): string {
  const directory = desk.directory;
  return describeRefusal(refusal, {
    person: (userId) => directory.agent(userId)?.name ?? 'someone',
    group: (groupId) => directory.groupName(groupId),
    quote: (text) => text,
    code: (text) => text,
    groupList: () =>
      directory
        .groups()
        .map((group) => `${group.name} (${group.id})`)
        .join(', '),
  });
}
