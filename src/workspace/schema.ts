import { z } from 'zod';

const slackUserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a Slack user id such as U012ABCDEF');
const slackChannelId = z.string().regex(/^[CGD][A-Z0-9]{2,}$/, 'expected a Slack channel id such as C012ABCDEF');
const name = z.string().trim().min(1).max(80);

export const prioritySchema = z.enum(['low', 'normal', 'high', 'urgent']);
export const ticketStatusSchema = z.enum(['new', 'open', 'pending', 'solved', 'closed']);

const formFieldsSchema = z
  .object({
    rootCause: name.optional(),
    category: name.optional(),
    subcategory: name.optional(),
  })
  .strict();

export const groupSchema = z
  .object({
    name,
    /** Shown beside the name wherever a group is picked, so two similar names are not confused. */
    id: z.number().int().positive(),
    alertChannel: slackChannelId,
    /** Where incoming chats of this group are announced; the alert channel when absent. */
    queueChannel: slackChannelId.optional(),
    intakeChannels: z.array(slackChannelId).default([]),
  })
  .strict();

export const agentSchema = z
  .object({
    user: slackUserId,
    name,
    groups: z.array(z.number().int().positive()).min(1),
    role: z.enum(['agent', 'lead', 'admin']).default('agent'),
    timeZone: z.string().optional(),
  })
  .strict();

export const macroSchema = z
  .object({
    name,
    text: z.string().min(1).max(3000),
    /** Macros write internal notes unless they say otherwise: a wrong macro must not reach a customer. */
    public: z.boolean().default(false),
    status: z.enum(['open', 'pending', 'solved']).optional(),
    form: formFieldsSchema.optional(),
  })
  .strict();

export const workspaceSchema = z
  .object({
    name: name.default('Support'),
    groups: z.array(groupSchema).min(1),
    agents: z.array(agentSchema).default([]),
    categories: z
      .array(z.object({ name, subcategories: z.array(name).min(1) }).strict())
      .default([]),
    rootCauses: z.array(z.object({ name, keywords: z.array(z.string().min(1)).default([]) }).strict()).default([]),
    macros: z.array(macroSchema).default([]),
    articles: z
      .array(z.object({ title: name, url: z.url(), keywords: z.array(z.string().min(1)).default([]) }).strict())
      .default([]),
    apiKeys: z
      .array(
        z
          .object({
            name,
            /** sha256 of the key, hex: keys are never stored in the clear. */
            sha256: z.string().regex(/^[a-f0-9]{64}$/, 'expected the hex sha256 of the key'),
            /** read: GET only (a status page); write: also files tickets and adds replies. */
            access: z.enum(['read', 'write']).default('write'),
          })
          .strict(),
      )
      .default([]),
    outboundWebhook: z
      .object({ url: z.url(), secret: z.string().min(16, 'use a secret of at least 16 characters') })
      .strict()
      .optional(),
    chat: z
      .object({
        notePrefix: z.string().min(1).max(20).default('note:'),
        shortcutSigil: z.string().length(1).default('#'),
        personalShortcutLimit: z.number().int().min(0).max(500).default(20),
        shortcuts: z.array(z.object({ name: z.string().regex(/^[a-z0-9_-]{1,40}$/i), text: z.string().min(1).max(3000) }).strict()).default([]),
        /** The group that gets a chat a requester starts by DM (intake channels keep their own group). */
        defaultGroup: z.number().int().positive().optional(),
        /** A short menu the requester picks from before a DM chat starts, each topic going to a group. */
        topics: z
          .array(z.object({ label: z.string().trim().min(1).max(40), group: z.number().int().positive() }).strict())
          .max(5)
          .default([]),
      })
      .strict()
      .default({ notePrefix: 'note:', shortcutSigil: '#', personalShortcutLimit: 20, shortcuts: [], topics: [] }),
    settings: z
      .object({
        /** When true, agents work only tickets of their own groups. */
        restrictToOwnGroups: z.boolean().default(false),
        personalMacroLimit: z.number().int().min(0).max(500).default(20),
      })
      .strict()
      .default({ restrictToOwnGroups: false, personalMacroLimit: 20 }),
  })
  .strict()
  .superRefine((workspace, context) => {
    const seenIds = new Map<number, number>();
    workspace.groups.forEach((group, index) => {
      const earlier = seenIds.get(group.id);
      if (earlier !== undefined) {
        context.addIssue({ code: 'custom', path: ['groups', index, 'id'], message: `duplicates groups[${earlier}].id` });
      }
      seenIds.set(group.id, index);
    });
    // A chat started by DM goes where the file says, never to the first group by accident.
    const { defaultGroup, topics } = workspace.chat;
    if (defaultGroup !== undefined && !seenIds.has(defaultGroup)) {
      context.addIssue({ code: 'custom', path: ['chat', 'defaultGroup'], message: `no group has id ${defaultGroup}` });
    }
    topics.forEach((topic, index) => {
      if (!seenIds.has(topic.group)) context.addIssue({ code: 'custom', path: ['chat', 'topics', index, 'group'], message: `no group has id ${topic.group}` });
    });
    if (workspace.groups.length > 1 && defaultGroup === undefined && topics.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['chat', 'defaultGroup'],
        message: 'with several groups, say which one gets chats started by DM (chat.defaultGroup), or offer chat.topics',
      });
    }
    workspace.agents.forEach((agent, agentIndex) => {
      agent.groups.forEach((groupId, groupIndex) => {
        if (!seenIds.has(groupId)) {
          context.addIssue({
            code: 'custom',
            path: ['agents', agentIndex, 'groups', groupIndex],
            message: `no group has id ${groupId}`,
          });
        }
      });
    });
  });

export type Workspace = z.infer<typeof workspaceSchema>;
export type Group = z.infer<typeof groupSchema>;
export type Agent = z.infer<typeof agentSchema>;
export type Macro = z.infer<typeof macroSchema>;
export type ApiKey = Workspace['apiKeys'][number];
export type Priority = z.infer<typeof prioritySchema>;
