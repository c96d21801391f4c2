import { escapeMrkdwn } from '../../../blocks/text.js';
import type { Subcommand } from './answers.js';

/** `/ticket admin …`: what only a workspace admin may do from Slack. */
export const adminSubcommands: [string, Subcommand][] = [
  [
    'admin',
    {
      usage: 'admin reload',
      what: 'admins: read the workspace file again now',
      agentsOnly: true,
      async run({ desk, userId, args, asker }) {
        if (desk.directory.agent(userId)?.role !== 'admin')
          return asker.say('Only an admin of the workspace file can do that.');
        if (args.trim().toLowerCase() !== 'reload') return asker.say('Try `/ticket admin reload`.');
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
