import type { InputBlock, KnownBlock, ModalView, Option, PlainTextOption } from '@slack/types';
import type { ReplyModalMetadata } from '../src/slack/view-metadata.js';
import type { FormChoice, FormChoices } from '../src/tickets/form.js';
import type { AgentStatus } from '../src/tickets/reply.js';
import type { Ticket, TicketForm } from '../src/tickets/types.js';
import { callbackIds, replyFields } from './ids.js';
import { clip, escapeMrkdwn, linkAddress, mrkdwn, plain, requesterText, STATUS_BADGE } from './text.js';

export interface ReplyModalData {
  ticket: Ticket;
  kind: 'public' | 'internal';
  text: string;
  status: AgentStatus;
  form: TicketForm;
  macros: readonly { id: string; name: string; personal: boolean }[];
  /** Each with the key its Link button carries (tickets/articles.ts), never its place in a list. */
  articles: readonly { key: string; title: string; url: string; summary?: string }[];
  /** An article picked in the knowledge-base search, shown with its summary until the agent links it. */
  preview?: { key: string; title: string; url: string; summary?: string };
  /** A pick or a Link that named an article the desk no longer offers: said where the pick was. */
  articleGone?: string;
  /** Each with the key its option carries (names can be longer than an option value may be). */
  rootCauses: FormChoices['rootCauses'];
  categories: FormChoices['categories'];
  /** Bumped whenever the app changes a field's value, so Slack shows the new value (see replyFields). */
  revision: number;
  /** The version the agent is looking at: the submission is refused if the ticket changed since. */
  version: number;
  /** Shown under the text after a macro was applied. */
  appliedMacro?: string;
  /** Offer the knowledge-base search (the workspace has articles). */
  knowledgeBase?: boolean;
  /** What applying the macro did to the kind of answer, said on the form: a switch to internal must not go unseen. */
  kindSwitched?: 'public' | 'internal';
}

/** What the reply modal carries between opening, updates and submission. */
export type { ReplyModalMetadata };

const TEXT_MAX = 3000;
/** Slack's own cap for one file_input. */
const FILE_INPUT_MAX = 10;

function option(text: string, value: string = text): PlainTextOption {
  return { text: plain(text, 75), value: clip(value, 150) };
}

/** Title (the link) and summary: the address, title and summary are workspace text, escaped like any text. */
function articleText(article: { title: string; url: string; summary?: string }): string {
  const title = `<${linkAddress(article.url)}|${escapeMrkdwn(clip(article.title, 150))}>`;
  return article.summary ? `${title}\n${escapeMrkdwn(clip(article.summary, 300))}` : title;
}

export function inputBlockId(field: string, revision: number): string {
  return `${field}__${revision}`;
}

const STATUS_LABEL: Record<AgentStatus, string> = {
  open: 'Open',
  pending: 'Pending — waiting for the requester',
  solved: 'Solved',
};

export function replyModal(data: ReplyModalData): ModalView {
  const { ticket, revision } = data;
  const id = (field: string) => inputBlockId(field, revision);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: mrkdwn(
        `*#${ticket.number}* ${escapeMrkdwn(clip(ticket.subject, 150))}\n${STATUS_BADGE[ticket.status]} · ${requesterText(ticket)}`,
      ),
    },
  ];
  if (data.macros.length > 0) {
    // Options load as the agent types (block_suggestion: macroOptions), so every macro can be found however many there are.
    blocks.push({
      type: 'actions',
      block_id: 'reply_macro_picker',
      elements: [
        {
          type: 'external_select',
          action_id: replyFields.macro,
          placeholder: plain('Apply a macro: type any word of its name or text'),
          min_query_length: 1,
        },
      ],
    });
  }
  const kinds: Record<'public' | 'internal', PlainTextOption> = {
    public: option('Public reply (the requester sees it)', 'public'),
    internal: option('Internal note (agents only)', 'internal'),
  };
  blocks.push(
    {
      type: 'input',
      block_id: id(replyFields.kind),
      label: plain('Write'),
      element: {
        type: 'radio_buttons',
        action_id: replyFields.kind,
        options: [kinds.public, kinds.internal],
        initial_option: kinds[data.kind],
      },
    },
    {
      type: 'input',
      block_id: id(replyFields.text),
      label: plain('Text'),
      optional: true,
      element: {
        type: 'plain_text_input',
        action_id: replyFields.text,
        multiline: true,
        max_length: TEXT_MAX,
        ...(data.text ? { initial_value: clip(data.text, TEXT_MAX) } : {}),
      },
      ...(data.appliedMacro
        ? {
            hint: plain(
              `Added the macro “${data.appliedMacro}” to your text: edit before submitting.${
                data.kindSwitched
                  ? ` It switched this to ${data.kindSwitched === 'internal' ? 'an internal note (not sent to the requester)' : 'a public reply (sent to the requester)'}.`
                  : ''
              }`,
              150,
            ),
          }
        : {}),
    },
  );
  blocks.push({
    type: 'input',
    block_id: id(replyFields.files),
    label: plain('Files'),
    optional: true,
    hint: plain(
      data.kind === 'public'
        ? `Sent to the requester with your reply, and kept with the ticket. At most ${FILE_INPUT_MAX} files of 10 MB each.`
        : `Kept with the ticket for the team; an internal note’s files never reach the requester. At most ${FILE_INPUT_MAX} files of 10 MB each.`,
      150,
    ),
    // Slack's file_input: at most 10 files, 10 MB each (docs.slack.dev/reference/block-kit/block-elements/file-input-element).
    element: { type: 'file_input', action_id: replyFields.files, max_files: FILE_INPUT_MAX },
  } as InputBlock);
  if (data.articles.length > 0) {
    blocks.push({ type: 'context', elements: [mrkdwn('*Suggested articles* — by the ticket’s words, best first')] });
    for (const article of data.articles.slice(0, 3))
      blocks.push({
        type: 'section',
        text: mrkdwn(articleText(article)),
        accessory: {
          type: 'button',
          action_id: replyFields.linkArticle,
          text: plain('Link in reply'),
          value: article.key,
        },
      });
  }
  if (data.knowledgeBase) {
    blocks.push({
      type: 'actions',
      block_id: 'reply_kb',
      elements: [
        {
          type: 'external_select',
          action_id: replyFields.kbSearch,
          placeholder: plain('Search the knowledge base to link an article'),
          min_query_length: 2,
        },
      ],
    });
    if (data.preview) {
      blocks.push({
        type: 'section',
        block_id: 'reply_kb_preview',
        text: mrkdwn(articleText(data.preview)),
        accessory: {
          type: 'button',
          action_id: replyFields.linkArticle,
          text: plain('Link in reply'),
          value: data.preview.key,
        },
      });
    }
  }
  // Outside the search: the article clicked may have been the last one the desk had.
  if (data.articleGone)
    blocks.push({ type: 'context', block_id: 'reply_kb_gone', elements: [mrkdwn(data.articleGone)] });
  blocks.push(...formInputs(data, id));
  const statuses: PlainTextOption[] = (['open', 'pending', 'solved'] as const).map((status) =>
    option(STATUS_LABEL[status], status),
  );
  blocks.push(
    {
      type: 'input',
      block_id: id(replyFields.status),
      label: plain('Submit as'),
      element: {
        type: 'radio_buttons',
        action_id: replyFields.status,
        options: statuses,
        initial_option: statuses.find((s) => s.value === data.status)!,
      },
    },
    {
      type: 'input',
      block_id: id(replyFields.saveAsMacro),
      label: plain('Save this text as my macro'),
      optional: true,
      hint: plain('A name here saves the text as one of your personal macros.'),
      element: {
        type: 'plain_text_input',
        action_id: replyFields.saveAsMacro,
        max_length: 80,
        placeholder: plain('Macro name'),
      },
    },
  );
  const metadata: ReplyModalMetadata = { number: ticket.number, version: data.version, revision };
  return {
    type: 'modal',
    callback_id: callbackIds.reply,
    title: plain(`Reply to #${ticket.number}`, 24),
    submit: plain('Submit', 24),
    close: plain('Cancel', 24),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

/** The macro picker's options for what the agent typed: theirs under "My macros", the workspace's under "Shared macros"; at most 100 in all. */
export function macroOptions(
  found: readonly { id: string; name: string; personal: boolean }[],
):
  | { options: PlainTextOption[] }
  | { option_groups: { label: PlainTextOption['text']; options: PlainTextOption[] }[] } {
  const toOption = (macro: { id: string; name: string }) => option(macro.name, macro.id);
  const best = found.slice(0, 100);
  const personal = best.filter((macro) => macro.personal).map(toOption);
  const shared = best.filter((macro) => !macro.personal).map(toOption);
  if (personal.length === 0 || shared.length === 0) return { options: [...personal, ...shared] };
  return {
    option_groups: [
      { label: plain('My macros'), options: personal },
      { label: plain('Shared macros'), options: shared },
    ],
  };
}

function formInputs(data: ReplyModalData, id: (field: string) => string): InputBlock[] {
  const inputs: InputBlock[] = [];
  const select = (
    field: string,
    label: string,
    choices: readonly FormChoice[],
    initial: string | undefined,
    dispatch = false,
  ): InputBlock => {
    const options = choices.slice(0, 100).map((choice) => option(choice.name, choice.key));
    const chosen = options[choices.findIndex((choice) => choice.name === initial)];
    return {
      type: 'input',
      block_id: id(field),
      label: plain(label),
      optional: true,
      ...(dispatch ? { dispatch_action: true } : {}),
      element: {
        type: 'static_select',
        action_id: field,
        placeholder: plain('Choose'),
        options,
        ...(chosen ? { initial_option: chosen as Option } : {}),
      } as never,
    };
  };
  if (data.rootCauses.length > 0)
    inputs.push(select(replyFields.rootCause, 'Root cause (needed to solve)', data.rootCauses, data.form.rootCause));
  if (data.categories.length > 0) {
    inputs.push(select(replyFields.category, 'Category (needed to solve)', data.categories, data.form.category, true));
    // Sub-categories follow the category: before one is chosen, every category's are offered by name.
    const chosen = data.categories.find((c) => c.name === data.form.category);
    const everyOne = data.categories
      .flatMap((c) => c.subcategories)
      .filter((sub, i, all) => all.findIndex((other) => other.key === sub.key) === i);
    const subcategories = chosen ? chosen.subcategories : everyOne;
    inputs.push(
      select(
        replyFields.subcategory,
        chosen ? `Sub-category of ${chosen.name}` : 'Sub-category (choose a category first)',
        subcategories,
        data.form.subcategory,
      ),
    );
  }
  return inputs;
}
