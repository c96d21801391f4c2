import type { KnownBlock, ModalView } from '@slack/types';
import type { SurveyCommentMetadata } from '../src/slack/view-metadata.js';
import type { Rating } from '../src/tickets/satisfaction.js';
import type { Ticket } from '../src/tickets/types.js';
import { actionIds, callbackIds, satisfactionFields } from './ids.js';
import { clip, escapeMrkdwn, mrkdwn, plain } from './text.js';

export interface SurveyRef {
  number: number;
  solve: number;
}

/** The button value: which solve of which ticket is being rated. */
export function surveyValue(ref: SurveyRef): string {
  return `${ref.number}:${ref.solve}`;
}

export function readSurveyValue(value: string | undefined): SurveyRef | null {
  const match = /^(\d{1,9}):(\d{1,9})$/.exec(value ?? '');
  return match ? { number: Number(match[1]), solve: Number(match[2]) } : null;
}

/** "How did we do?" with Good and Bad; once answered it says so, and the other button changes the answer. */
export function surveyMessage(
  ticket: Pick<Ticket, 'number' | 'subject'>,
  ref: SurveyRef,
  answered: Rating | null,
): KnownBlock[] {
  const question = `*How did we do?* Your request #${ticket.number} “${escapeMrkdwn(clip(ticket.subject, 150))}” was solved.`;
  const status = answered
    ? `You said *${answered === 'good' ? 'Good :+1:' : 'Bad :-1:'}* — thank you. You can change your answer.`
    : 'One click tells the team; a comment is welcome but optional.';
  return [
    { type: 'section', text: mrkdwn(question) },
    {
      type: 'actions',
      block_id: `csat_${ref.number}_${ref.solve}`,
      elements: [
        {
          type: 'button',
          action_id: actionIds.rateGood,
          text: plain(':+1: Good'),
          value: surveyValue(ref),
          ...(answered === 'good' ? { style: 'primary' as const } : {}),
        },
        {
          type: 'button',
          action_id: actionIds.rateBad,
          text: plain(':-1: Bad'),
          value: surveyValue(ref),
          ...(answered === 'bad' ? { style: 'danger' as const } : {}),
        },
      ],
    },
    { type: 'context', elements: [mrkdwn(status)] },
  ];
}

export function surveyCommentModal(ref: SurveyRef & { rating: Rating }): ModalView {
  return {
    type: 'modal',
    callback_id: callbackIds.satisfactionComment,
    title: plain('Thanks for rating', 24),
    submit: plain('Send', 24),
    close: plain('Skip', 24),
    private_metadata: JSON.stringify({
      number: ref.number,
      solve: ref.solve,
      rating: ref.rating,
    } satisfies SurveyCommentMetadata),
    blocks: [
      {
        type: 'section',
        text: mrkdwn(
          `You rated #${ref.number} *${ref.rating === 'good' ? 'Good' : 'Bad'}*. Anything you would like to add?`,
        ),
      },
      {
        type: 'input',
        block_id: satisfactionFields.comment,
        optional: true,
        label: plain('Comment'),
        element: { type: 'plain_text_input', action_id: satisfactionFields.comment, multiline: true, max_length: 1000 },
      },
    ],
  };
}
