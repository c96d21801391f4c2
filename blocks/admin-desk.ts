import type { KnownBlock, ModalView } from '@slack/types';
import type { ViewMetadata } from '../src/slack/view-metadata.js';
import type { AdminChange } from '../src/store/admin-changes.js';
import type { ManagedArticle } from '../src/store/managed-articles.js';
import type { ManagedMacro } from '../src/store/managed-macros.js';
import {
  ARTICLE_SUMMARY_MAX,
  ARTICLE_TITLE_MAX,
  ARTICLE_URL_MAX,
  type GroupMembers,
  type ManagedBoard,
  type ManagedKind,
} from '../src/tickets/desk-admin.js';
import { MACRO_NAME_MAX, MACRO_TEXT_MAX } from '../src/tickets/macros.js';
import { adminDeskFields, adminDeskIds } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

/** A modal holds at most 100 blocks (Slack's limit): the lists show this many entries and count the rest. */
const SHOWN = 40;

const day = (date: Date) => new Date(date).toISOString().slice(0, 10);

function notice(text: string | undefined): KnownBlock[] {
  return text ? [{ type: 'section', text: mrkdwn(text) }] : [];
}

function entryName(entry: ManagedMacro | ManagedArticle): string {
  return 'name' in entry ? entry.name : entry.title;
}

function entryLine(entry: (ManagedMacro | ManagedArticle) & { hiddenByFile: boolean }): string {
  const detail =
    'text' in entry
      ? `${entry.public ? 'public reply' : 'internal note'} · ${escapeMrkdwn(clip(entry.text.replace(/\s+/g, ' '), 150))}`
      : `${escapeMrkdwn(clip(entry.url, 150))}${entry.summary ? ` · ${escapeMrkdwn(clip(entry.summary, 120))}` : ''}`;
  const hidden = entry.hiddenByFile ? '\n_Hidden: the workspace file has one of the same name, which wins._' : '';
  return `*${escapeMrkdwn(clip(entryName(entry), 100))}*\n${detail}${hidden}`;
}

/** `/ticket admin macros` and `/ticket admin articles`: the file's (read-only), those made in Slack with Edit and Retire, and the retired. */
export function managedListModal(
  kind: ManagedKind,
  board: ManagedBoard<ManagedMacro> | ManagedBoard<ManagedArticle>,
  told?: string,
): ModalView {
  const words = kind === 'macro' ? { many: 'Shared macros', one: 'macro' } : { many: 'Articles', one: 'article' };
  const live = (board.managed as ((ManagedMacro | ManagedArticle) & { hiddenByFile: boolean })[]).filter(
    (entry) => !entry.retired,
  );
  const retired = board.managed.filter((entry) => entry.retired);
  const blocks: KnownBlock[] = [
    ...notice(told),
    {
      type: 'actions',
      block_id: 'admin_list_new',
      elements: [
        {
          type: 'button',
          action_id: adminDeskIds.newEntry,
          text: plain(`New ${words.one}`),
          value: kind,
          style: 'primary',
        },
      ],
    },
    { type: 'header', text: plain('Managed in Slack') },
  ];
  if (live.length === 0) blocks.push({ type: 'context', elements: [mrkdwn(`No ${words.one} made in Slack yet.`)] });
  for (const entry of live.slice(0, SHOWN)) {
    const value = `${kind}:${entry.id}:${entry.version}`;
    blocks.push(
      { type: 'section', block_id: `admin_entry_${entry.id}`, text: mrkdwn(entryLine(entry)) },
      {
        type: 'actions',
        block_id: `admin_entry_actions_${entry.id}`,
        elements: [
          { type: 'button', action_id: adminDeskIds.editEntry, text: plain('Edit'), value },
          {
            type: 'button',
            action_id: adminDeskIds.retireEntry,
            text: plain('Retire'),
            value,
            style: 'danger',
            confirm: {
              title: plain(`Retire this ${words.one}?`, 100),
              text: plain(`${clip(entryName(entry), 100)} leaves every picker. Its history stays here.`, 300),
              confirm: plain('Retire'),
              deny: plain('Keep it'),
              style: 'danger',
            },
          },
        ],
      },
    );
  }
  if (live.length > SHOWN) blocks.push({ type: 'context', elements: [mrkdwn(`…and ${live.length - SHOWN} more.`)] });
  blocks.push({ type: 'header', text: plain('From the workspace file (read-only here)') });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        board.fromFile.length === 0
          ? 'None.'
          : clip(board.fromFile.map((name) => escapeMrkdwn(name)).join(' · '), 2900) +
              '\nChange these in the file, then `/ticket admin reload`.',
      ),
    ],
  });
  if (retired.length > 0) {
    blocks.push({ type: 'header', text: plain('Retired') });
    blocks.push({
      type: 'context',
      elements: [
        mrkdwn(
          clip(
            retired
              .slice(0, SHOWN)
              .map(
                (entry) =>
                  `${escapeMrkdwn(clip(entryName(entry), 80))} — retired by <@${entry.updatedBy}> on ${day(entry.updatedAt)}`,
              )
              .join('\n'),
            2900,
          ),
        ),
      ],
    });
  }
  return {
    type: 'modal',
    callback_id: kind === 'macro' ? adminDeskIds.macros : adminDeskIds.articles,
    title: plain(words.many, 24),
    close: plain('Done', 24),
    private_metadata: JSON.stringify({ kind } satisfies ViewMetadata<'adminList'>),
    blocks,
  };
}

function textInput(
  id: string,
  label: string,
  max: number,
  options: { value?: string | undefined; multiline?: boolean; optional?: boolean; hint?: string } = {},
): KnownBlock {
  return {
    type: 'input',
    block_id: id,
    label: plain(label),
    optional: options.optional ?? false,
    ...(options.hint ? { hint: plain(options.hint) } : {}),
    element: {
      type: 'plain_text_input',
      action_id: id,
      max_length: max,
      multiline: options.multiline ?? false,
      ...(options.value ? { initial_value: options.value } : {}),
    },
  };
}

/** New or Edit of a shared macro; the version it opened at goes with it. */
export function managedMacroForm(macro: ManagedMacro | null, listViewId: string | undefined): ModalView {
  const internal = { text: plain('Internal note'), value: 'internal' };
  const publicReply = { text: plain('Public reply to the requester'), value: 'public' };
  return {
    type: 'modal',
    callback_id: adminDeskIds.macroForm,
    title: plain(macro ? 'Edit shared macro' : 'New shared macro', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({
      kind: 'macro',
      ...(macro ? { entry: { id: macro.id, version: macro.version } } : {}),
      ...(listViewId ? { listViewId } : {}),
    } satisfies ViewMetadata<'managedEntry'>),
    blocks: [
      textInput(adminDeskFields.name, 'Name', MACRO_NAME_MAX, { value: macro?.name }),
      textInput(adminDeskFields.text, 'Text', MACRO_TEXT_MAX, { value: macro?.text, multiline: true }),
      {
        type: 'input',
        block_id: adminDeskFields.kind,
        label: plain('Sent as'),
        element: {
          type: 'radio_buttons',
          action_id: adminDeskFields.kind,
          options: [internal, publicReply],
          initial_option: macro?.public ? publicReply : internal,
        },
      },
    ],
  };
}

export function managedArticleForm(article: ManagedArticle | null, listViewId: string | undefined): ModalView {
  return {
    type: 'modal',
    callback_id: adminDeskIds.articleForm,
    title: plain(article ? 'Edit article' : 'New article', 24),
    submit: plain('Save', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify({
      kind: 'article',
      ...(article ? { entry: { id: article.id, version: article.version } } : {}),
      ...(listViewId ? { listViewId } : {}),
    } satisfies ViewMetadata<'managedEntry'>),
    blocks: [
      textInput(adminDeskFields.title, 'Title', ARTICLE_TITLE_MAX, { value: article?.title }),
      textInput(adminDeskFields.url, 'Link (http or https)', ARTICLE_URL_MAX, { value: article?.url }),
      textInput(adminDeskFields.summary, 'Summary', ARTICLE_SUMMARY_MAX, {
        value: article?.summary,
        multiline: true,
        optional: true,
        hint: 'A line or two the reply form shows before the agent links the article.',
      }),
      textInput(adminDeskFields.keywords, 'Keywords', 840, {
        value: article?.keywords.join(', '),
        optional: true,
        hint: 'Separated by commas: a ticket with these words gets this article suggested.',
      }),
    ],
  };
}

/** `/ticket admin members GROUP`: the file's agents (read-only), those added in Slack with Remove, and Add. */
export function groupMembersModal(groupName: string, members: GroupMembers, told?: string): ModalView {
  const blocks: KnownBlock[] = [...notice(told), { type: 'header', text: plain('Added in Slack') }];
  if (members.fromSlack.length === 0) blocks.push({ type: 'context', elements: [mrkdwn('Nobody yet.')] });
  for (const member of members.fromSlack.slice(0, SHOWN))
    blocks.push({
      type: 'section',
      block_id: `admin_member_${member.user}`,
      text: mrkdwn(`<@${member.user}> — added by <@${member.addedBy}> on ${day(member.addedAt)}`),
      accessory: {
        type: 'button',
        action_id: adminDeskIds.removeMember,
        text: plain('Remove'),
        value: `${members.groupId}:${member.user}`,
        style: 'danger',
        confirm: {
          title: plain('Remove from the group?', 100),
          text: plain(
            `${clip(member.name, 80)} leaves ${clip(groupName, 80)}. Tickets they hold there stay theirs, in the group's list, for a lead to reassign.`,
            300,
          ),
          confirm: plain('Remove'),
          deny: plain('Keep'),
          style: 'danger',
        },
      },
    });
  blocks.push({ type: 'header', text: plain('From the workspace file (read-only here)') });
  blocks.push({
    type: 'context',
    elements: [
      mrkdwn(
        members.fromFile.length === 0
          ? 'None.'
          : clip(members.fromFile.map((member) => `<@${member.user}>`).join(' '), 2900),
      ),
    ],
  });
  blocks.push({
    type: 'input',
    block_id: adminDeskFields.member,
    optional: true,
    label: plain('Add an agent'),
    element: { type: 'users_select', action_id: adminDeskFields.member },
  });
  return {
    type: 'modal',
    callback_id: adminDeskIds.members,
    title: plain(clip(groupName, 24), 24),
    submit: plain('Add', 24),
    close: plain('Done', 24),
    private_metadata: JSON.stringify({ kind: 'members', groupId: members.groupId } satisfies ViewMetadata<'adminList'>),
    blocks,
  };
}

const ACTION_WORDS: Record<AdminChange['action'], string> = {
  created: 'created',
  edited: 'edited',
  retired: 'retired',
  added: 'added',
  removed: 'removed',
};

/** `/ticket admin audit`: the newest changes first, each with who and when. */
export function adminAuditText(changes: readonly AdminChange[]): string {
  if (changes.length === 0) return 'No admin changes made in Slack yet.';
  return [
    '*Admin changes made in Slack, newest first*',
    ...changes.map(
      (change) =>
        `• ${new Date(change.at).toISOString().slice(0, 16).replace('T', ' ')} UTC <@${change.by}> ${ACTION_WORDS[change.action]} ${change.kind} ${escapeMrkdwn(clip(change.subject, 150))}${change.detail ? ` (${escapeMrkdwn(clip(change.detail, 300))})` : ''}`,
    ),
  ].join('\n');
}
