import { escapeMrkdwn } from '../../../blocks/text.js';
import { refuse } from '../../tickets/refusals.js';
import type { Subcommand } from './answers.js';
import { adminDeskCommand } from './desk-admin.js';

/** `/ticket admin …`: what only a workspace admin may do from Slack. */
export const adminSubcommands: [string, Subcommand][] = [
  [
    'admin',
    {
      usage: 'admin reload|macros|articles|members GROUP|audit',
      what: 'admins: read the workspace file again, manage shared macros, articles and who is in a group (docs/admin.md)',
      agentsOnly: true,
      async run(context) {
        const { desk, userId, args, asker } = context;
        if (desk.directory.agent(userId)?.role !== 'admin')
          return asker.refuse(refuse('admins_only', { action: 'use `/ticket admin`' }));
        const [word = '', ...rest] = args.trim().split(/\s+/);
        if (await adminDeskCommand(context, word.toLowerCase(), rest.join(' '))) return;
        if (word.toLowerCase() !== 'reload')
          return asker.say('Try `/ticket admin reload`, `macros`, `articles`, `members GROUP` or `audit`.');
        if (!desk.reloadWorkspace) return asker.say('This desk was started without a workspace file to read again.');
        const outcome = await desk.reloadWorkspace('asked for with /ticket admin reload');
        if (outcome.ok)
          return asker.say(
            outcome.notes.length > 0
              ? `Reloaded.\n${outcome.notes.map((note) => `• ${escapeMrkdwn(note)}`).join('\n')}`
              : 'Reloaded: the desk runs on the file as it is now.',
          );
        await asker.say(
          `Not reloaded: the desk keeps the workspace it had.\n${outcome.problems.map((problem) => `• ${escapeMrkdwn(problem)}`).join('\n')}`,
        );
      },
    },
  ],
];
