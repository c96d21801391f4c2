// ─── Every limit the fake Slack enforces, each with the page of Slack's docs that states it ──────
// One table, so a number the fake holds the app to can be checked against its source in one place.
// Lengths are in characters; "items" limits count array entries.

const BLOCK_KIT = 'https://docs.slack.dev/reference/block-kit';

export interface Limit {
  readonly value: number;
  readonly source: string;
}

const limit = (value: number, source: string): Limit => ({ value, source });

export const LIMITS = {
  // Surfaces
  messageBlocks: limit(50, `${BLOCK_KIT}/blocks/`),
  viewBlocks: limit(100, `${BLOCK_KIT}/blocks/`),
  messageText: limit(40_000, 'https://docs.slack.dev/reference/methods/chat.postMessage/#truncating-content'),
  modalTitle: limit(24, 'https://docs.slack.dev/reference/views/modal-views/'),
  modalSubmit: limit(24, 'https://docs.slack.dev/reference/views/modal-views/'),
  modalClose: limit(24, 'https://docs.slack.dev/reference/views/modal-views/'),
  privateMetadata: limit(3000, 'https://docs.slack.dev/reference/views/modal-views/'),
  callbackId: limit(255, 'https://docs.slack.dev/reference/views/modal-views/'),
  externalId: limit(255, 'https://docs.slack.dev/reference/views/modal-views/'),
  modalStack: limit(3, 'https://docs.slack.dev/surfaces/modals/#updating_views'),
  // Interactions
  triggerLifetimeMs: limit(3_000, 'https://docs.slack.dev/interactivity/handling-user-interaction/#modal_responses'),
  responseUrlLifetimeMs: limit(
    30 * 60_000,
    'https://docs.slack.dev/interactivity/handling-user-interaction/#message_responses',
  ),
  responseUrlUses: limit(5, 'https://docs.slack.dev/interactivity/handling-user-interaction/#message_responses'),
  // Blocks
  blockId: limit(255, `${BLOCK_KIT}/blocks/`),
  sectionText: limit(3000, `${BLOCK_KIT}/blocks/section-block/`),
  sectionFields: limit(10, `${BLOCK_KIT}/blocks/section-block/`),
  sectionFieldText: limit(2000, `${BLOCK_KIT}/blocks/section-block/`),
  actionsElements: limit(25, `${BLOCK_KIT}/blocks/actions-block/`),
  contextElements: limit(10, `${BLOCK_KIT}/blocks/context-block/`),
  contextText: limit(3000, `${BLOCK_KIT}/blocks/context-block/`),
  headerText: limit(150, `${BLOCK_KIT}/blocks/header-block/`),
  inputLabel: limit(2000, `${BLOCK_KIT}/blocks/input-block/`),
  inputHint: limit(2000, `${BLOCK_KIT}/blocks/input-block/`),
  imageUrl: limit(3000, `${BLOCK_KIT}/blocks/image-block/`),
  imageAltText: limit(2000, `${BLOCK_KIT}/blocks/image-block/`),
  imageTitle: limit(2000, `${BLOCK_KIT}/blocks/image-block/`),
  markdownText: limit(12_000, `${BLOCK_KIT}/blocks/markdown-block/`),
  fileExternalId: limit(255, `${BLOCK_KIT}/blocks/file-block/`),
  fileSource: limit(255, `${BLOCK_KIT}/blocks/file-block/`),
  videoAltText: limit(2000, `${BLOCK_KIT}/blocks/video-block/`),
  videoTitle: limit(199, `${BLOCK_KIT}/blocks/video-block/`),
  videoUrl: limit(3000, `${BLOCK_KIT}/blocks/video-block/`),
  // Elements
  actionId: limit(255, `${BLOCK_KIT}/block-elements/`),
  placeholder: limit(150, `${BLOCK_KIT}/block-elements/`),
  buttonText: limit(75, `${BLOCK_KIT}/block-elements/button-element/`),
  buttonValue: limit(2000, `${BLOCK_KIT}/block-elements/button-element/`),
  buttonUrl: limit(3000, `${BLOCK_KIT}/block-elements/button-element/`),
  buttonAccessibilityLabel: limit(75, `${BLOCK_KIT}/block-elements/button-element/`),
  selectOptions: limit(100, `${BLOCK_KIT}/block-elements/select-menu-element/`),
  selectOptionGroups: limit(100, `${BLOCK_KIT}/block-elements/select-menu-element/`),
  overflowOptionsMin: limit(2, `${BLOCK_KIT}/block-elements/overflow-menu-element/`),
  overflowOptionsMax: limit(5, `${BLOCK_KIT}/block-elements/overflow-menu-element/`),
  checkboxOptions: limit(10, `${BLOCK_KIT}/block-elements/checkboxes-element/`),
  radioOptions: limit(10, `${BLOCK_KIT}/block-elements/radio-button-group-element/`),
  textInputLength: limit(3000, `${BLOCK_KIT}/block-elements/plain-text-input-element/`),
  // Composition objects
  optionText: limit(75, `${BLOCK_KIT}/composition-objects/option-object/`),
  /** The same page says a value is unique: two options of one element may not share one. */
  optionValue: limit(150, `${BLOCK_KIT}/composition-objects/option-object/`),
  optionDescription: limit(75, `${BLOCK_KIT}/composition-objects/option-object/`),
  optionUrl: limit(3000, `${BLOCK_KIT}/composition-objects/option-object/`),
  optionGroupLabel: limit(75, `${BLOCK_KIT}/composition-objects/option-group-object/`),
  optionGroupOptions: limit(100, `${BLOCK_KIT}/composition-objects/option-group-object/`),
  confirmTitle: limit(100, `${BLOCK_KIT}/composition-objects/confirmation-dialog-object/`),
  confirmText: limit(300, `${BLOCK_KIT}/composition-objects/confirmation-dialog-object/`),
  confirmButton: limit(30, `${BLOCK_KIT}/composition-objects/confirmation-dialog-object/`),
  confirmDeny: limit(30, `${BLOCK_KIT}/composition-objects/confirmation-dialog-object/`),
} as const satisfies Record<string, Limit>;

/** The number alone, for the checks. */
export function max(name: keyof typeof LIMITS): number {
  return LIMITS[name].value;
}
