import type { App, BlockAction, ButtonAction, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import {
  adminAuditText,
  groupMembersModal,
  managedArticleForm,
  managedListModal,
  managedMacroForm,
} from '../../../blocks/admin-desk.js';
import { adminDeskFields, adminDeskIds } from '../../../blocks/ids.js';
import { clip, escapeMrkdwn } from '../../../blocks/text.js';
import { faultMessage } from '../../log.js';
import type { Desk } from '../../tickets/desk.js';
import {
  addToGroup,
  adminOrRefusal,
  createManaged,
  editManaged,
  groupMembers,
  type ManagedKind,
  managedBoard,
  recentAdminChanges,
  removeFromGroup,
  retireManaged,
} from '../../tickets/desk-admin.js';
import { refuse } from '../../tickets/refusals.js';
import { answersOf, type StateValues } from '../screens.js';
import { viewMetadata } from '../view-metadata.js';
import { refusalPlainText, refusalText } from '../words.js';
import {
  askerOfClick,
  type ButtonArgs,
  type ListenerDeps,
  type SubcommandContext,
  type SubmitArgs,
} from './answers.js';

async function listModal(desk: Desk, kind: ManagedKind, told?: string) {
  return kind === 'macro'
    ? managedListModal('macro', await managedBoard(desk, 'macro'), told)
    : managedListModal('article', await managedBoard(desk, 'article'), told);
}

/** `/ticket admin macros|articles|members GROUP|audit`: the router has let only admins through. */
export async function adminDeskCommand(context: SubcommandContext, word: string, rest: string): Promise<boolean> {
  const { desk, client, triggerId, asker, userId } = context;
  if (word === 'macros' || word === 'articles') {
    const kind: ManagedKind = word === 'macros' ? 'macro' : 'article';
    await client.views.open({ trigger_id: triggerId, view: await listModal(desk, kind) });
    return true;
  }
  if (word === 'members') {
    const group = desk.directory.findGroup(rest);
    if (!group) {
      await asker.refuse(
        rest.trim()
          ? refuse('no_such_group_named', { typed: rest.trim() })
          : refuse('invalid', { message: 'Which group? Try `/ticket admin members Billing`.' }),
      );
      return true;
    }
    await client.views.open({
      trigger_id: triggerId,
      view: groupMembersModal(group.name, await groupMembers(desk, group.id)),
    });
    return true;
  }
  if (word === 'audit') {
    const audit = await recentAdminChanges(desk, userId);
    await (audit.ok ? asker.say(adminAuditText(audit.changes)) : asker.refuse(audit));
    return true;
  }
  return false;
}

function parseEntryValue(value: string | undefined): { kind: ManagedKind; id: string; version: number } | null {
  const match = /^(macro|article):([\w-]{1,100}):(\d{1,9})$/.exec(value ?? '');
  return match ? { kind: match[1] as ManagedKind, id: match[2]!, version: Number(match[3]) } : null;
}

async function newClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const kind: ManagedKind = args.action.value === 'article' ? 'article' : 'macro';
  const allowed = adminOrRefusal(deps.desk, args.body.user.id, 'manage shared macros and articles');
  if (!allowed.ok) return askerOfClick(deps, args).refuse(allowed);
  const listViewId = args.body.view?.id;
  await args.client.views.push({
    trigger_id: args.body.trigger_id,
    view: kind === 'macro' ? managedMacroForm(null, listViewId) : managedArticleForm(null, listViewId),
  });
}

async function editClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const target = parseEntryValue(args.action.value);
  if (!target) return;
  const allowed = adminOrRefusal(deps.desk, args.body.user.id, 'manage shared macros and articles');
  if (!allowed.ok) return askerOfClick(deps, args).refuse(allowed);
  const listViewId = args.body.view?.id;
  // The form carries the version read now: what the admin edits is what they see.
  const entry =
    target.kind === 'macro'
      ? await deps.desk.store.managedMacros.get(target.id)
      : await deps.desk.store.managedArticles.get(target.id);
  if (!entry || entry.retired) {
    if (listViewId)
      await args.client.views.update({
        view_id: listViewId,
        view: await listModal(
          deps.desk,
          target.kind,
          refusalText(deps.desk, refuse('no_such_managed', { kind: target.kind })),
        ),
      });
    return;
  }
  await args.client.views.push({
    trigger_id: args.body.trigger_id,
    view: 'text' in entry ? managedMacroForm(entry, listViewId) : managedArticleForm(entry, listViewId),
  });
}

async function retireClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const target = parseEntryValue(args.action.value);
  if (!target) return;
  const result = await retireManaged(deps.desk, target.kind, args.body.user.id, target);
  if (!result.ok && result.code === 'admins_only') return askerOfClick(deps, args).refuse(result);
  const name = result.ok ? ('name' in result.entry ? result.entry.name : result.entry.title) : '';
  const told = result.ok
    ? `Retired “${escapeMrkdwn(name)}”: it is out of every picker, and its history stays below.`
    : refusalText(deps.desk, result);
  if (args.body.view?.id)
    await args.client.views.update({ view_id: args.body.view.id, view: await listModal(deps.desk, target.kind, told) });
}

async function removeClicked(deps: ListenerDeps, args: ButtonArgs): Promise<void> {
  await args.ack();
  const match = /^(\d{1,9}):([UW][A-Z0-9]{2,})$/.exec(args.action.value ?? '');
  if (!match) return;
  const groupId = Number(match[1]);
  const user = match[2]!;
  const result = await removeFromGroup(deps.desk, args.body.user.id, user, groupId);
  if (!result.ok && result.code === 'admins_only') return askerOfClick(deps, args).refuse(result);
  const group = escapeMrkdwn(deps.desk.directory.groupName(groupId));
  const told = !result.ok
    ? refusalText(deps.desk, result)
    : `Removed <@${user}> from ${group}.` +
      (result.held.length > 0
        ? ` They still hold ${result.held.map((number) => `#${number}`).join(', ')}: those stay theirs and stay in ${group}'s list, where a lead sees them and can reassign them.`
        : '') +
      (result.stillAgent ? '' : ' They are no longer an agent of any group.');
  if (args.body.view?.id)
    await args.client.views.update({
      view_id: args.body.view.id,
      view: groupMembersModal(deps.desk.directory.groupName(groupId), await groupMembers(deps.desk, groupId), told),
    });
}

function valuesOf(view: SubmitArgs['view']): StateValues {
  const values = (view.state as { values?: unknown } | undefined)?.values;
  return typeof values === 'object' && values !== null ? (values as StateValues) : {};
}

const FIELD_BLOCK: Record<string, string> = {
  name: adminDeskFields.name,
  text: adminDeskFields.text,
  public: adminDeskFields.kind,
  title: adminDeskFields.title,
  url: adminDeskFields.url,
  summary: adminDeskFields.summary,
  keywords: adminDeskFields.keywords,
};

async function entrySubmitted(deps: ListenerDeps, { ack, body, view, client }: SubmitArgs): Promise<void> {
  const metadata = viewMetadata(view, 'managedEntry');
  if (!metadata) return ack();
  const answers = answersOf(valuesOf(view));
  const by = body.user.id;
  const input =
    metadata.kind === 'macro'
      ? {
          name: answers[adminDeskFields.name]?.value ?? '',
          text: answers[adminDeskFields.text]?.value ?? '',
          public: answers[adminDeskFields.kind]?.selected_option?.value === 'public',
        }
      : {
          title: answers[adminDeskFields.title]?.value ?? '',
          url: answers[adminDeskFields.url]?.value ?? '',
          summary: answers[adminDeskFields.summary]?.value ?? '',
          keywords: answers[adminDeskFields.keywords]?.value ?? '',
        };
  const saved = metadata.entry
    ? await editManaged(deps.desk, metadata.kind, by, metadata.entry, input)
    : metadata.kind === 'macro'
      ? await createManaged(deps.desk, 'macro', by, input as { name: string; text: string; public: boolean })
      : await createManaged(deps.desk, 'article', by, input as { title: string; url: string });
  if (!saved.ok) {
    const nameBlock = metadata.kind === 'macro' ? adminDeskFields.name : adminDeskFields.title;
    const block = ('field' in saved && saved.field && FIELD_BLOCK[saved.field]) || nameBlock;
    return ack({ response_action: 'errors', errors: { [block]: clip(refusalPlainText(deps.desk, saved), 2000) } });
  }
  await ack();
  const name = 'name' in saved.entry ? saved.entry.name : saved.entry.title;
  if (metadata.listViewId)
    await client.views
      .update({
        view_id: metadata.listViewId,
        view: await listModal(deps.desk, metadata.kind, `Saved “${escapeMrkdwn(name)}”.`),
      })
      .catch((error: unknown) => deps.log(`slack: could not refresh the admin list: ${faultMessage(error)}`));
}

/** What the desk calls someone added from Slack whom the file does not name: their Slack name, or their id. */
async function slackName(client: WebClient, user: string): Promise<string> {
  try {
    const info = await client.users.info({ user });
    const found = info.user?.profile?.real_name || info.user?.real_name || info.user?.name;
    return found ? clip(found, 80) : user;
  } catch {
    return user;
  }
}

async function memberSubmitted(deps: ListenerDeps, { ack, body, view, client }: SubmitArgs): Promise<void> {
  const metadata = viewMetadata(view, 'adminList');
  if (!metadata?.groupId) return ack();
  const user = answersOf(valuesOf(view))[adminDeskFields.member]?.selected_user;
  if (!user) return ack({ response_action: 'errors', errors: { [adminDeskFields.member]: 'Pick the person to add.' } });
  const added = await addToGroup(deps.desk, body.user.id, {
    user,
    groupId: metadata.groupId,
    name: deps.desk.directory.agent(user)?.name ?? (await slackName(client, user)),
  });
  if (!added.ok)
    return ack({
      response_action: 'errors',
      errors: { [adminDeskFields.member]: clip(refusalPlainText(deps.desk, added), 2000) },
    });
  const groupName = deps.desk.directory.groupName(metadata.groupId);
  await ack({
    response_action: 'update',
    view: groupMembersModal(
      groupName,
      await groupMembers(deps.desk, metadata.groupId),
      `Added <@${user}> to ${escapeMrkdwn(groupName)}: they can take its tickets now.`,
    ),
  });
}

/** The admin lists' buttons and forms (docs/admin.md). */
export function registerDeskAdmin(app: App, deps: ListenerDeps): void {
  app.action<BlockAction<ButtonAction>>(adminDeskIds.newEntry, (args) => newClicked(deps, args));
  app.action<BlockAction<ButtonAction>>(adminDeskIds.editEntry, (args) => editClicked(deps, args));
  app.action<BlockAction<ButtonAction>>(adminDeskIds.retireEntry, (args) => retireClicked(deps, args));
  app.action<BlockAction<ButtonAction>>(adminDeskIds.removeMember, (args) => removeClicked(deps, args));
  app.view<ViewSubmitAction>(adminDeskIds.macroForm, (args) => entrySubmitted(deps, args));
  app.view<ViewSubmitAction>(adminDeskIds.articleForm, (args) => entrySubmitted(deps, args));
  app.view<ViewSubmitAction>(adminDeskIds.members, (args) => memberSubmitted(deps, args));
}
