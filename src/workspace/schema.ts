import { z } from 'zod';
import { privateRangeOfLiteral, rangeWords } from './private-networks.js';

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

/** An IANA time zone the runtime knows (Europe/Berlin); a typo would otherwise count hours in UTC. */
export const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'expected an IANA time zone such as Europe/Berlin');

/** "30m", "4h", "2d" → milliseconds. */
const durationSchema = z
  .string()
  .regex(/^\d{1,4}[mhd]$/, 'expected a duration such as 30m, 4h or 2d')
  .transform(
    (text) => Number(text.slice(0, -1)) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[text.slice(-1) as 'm' | 'h' | 'd'],
  )
  .refine((ms) => ms > 0, 'expected more than no time');

const slaTargetSchema = z
  .object({ firstReply: durationSchema.optional(), resolution: durationSchema.optional() })
  .strict();

const clockTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time such as 09:00')
  .transform((text) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3)));

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * Service levels by priority: how soon a first public reply and a solve are due. With business hours,
 * only those hours count (in the group's time zone); pending time never counts toward the solve.
 */
export const slaSchema = z
  .object({
    targets: z
      .object({
        low: slaTargetSchema.optional(),
        normal: slaTargetSchema.optional(),
        high: slaTargetSchema.optional(),
        urgent: slaTargetSchema.optional(),
      })
      .strict(),
    businessHours: z
      .object({ days: z.array(z.enum(WEEKDAYS)).min(1), start: clockTimeSchema, end: clockTimeSchema })
      .strict()
      .refine((hours) => hours.end > hours.start, { message: 'end must be after start', path: ['end'] })
      .optional(),
    /** Groups without a time zone of their own count business hours here. */
    timeZone: timeZoneSchema.default('UTC'),
    /** A ticket is announced as about to breach once this share of a target is used. */
    warnAtPercent: z.number().int().min(1).max(99).default(80),
  })
  .strict();

/** Minutes by priority, each optional: a priority left out is never reminded of. */
const minutesByPrioritySchema = z
  .object({
    urgent: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional(),
    high: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional(),
    normal: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional(),
    low: z
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 60)
      .optional(),
  })
  .strict();

/**
 * Who is reminded of what, per group (docs/reminders.md); each part is off until it is given. The
 * assignee's and the lead's thresholds count business hours when the SLA settings have them.
 */
export const remindersSchema = z
  .object({
    /** An open ticket waiting on its assignee this long (by priority) gets them one reminder. */
    assigneeAfter: minutesByPrioritySchema.optional(),
    /** Past this (by priority) the group's leads are told, once. */
    leadAfter: minutesByPrioritySchema.optional(),
    /** A pending ticket's requester hears "we are waiting for your answer" this long before the auto-close. */
    pendingRequesterBeforeCloseHours: z
      .number()
      .int()
      .min(1)
      .max(30 * 24)
      .optional(),
    /** Tickets in the queue longer than this while nobody of the group is online: said in its channel, at most hourly. */
    queueAlert: z
      .object({
        olderThanMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((reminders, context) => {
    // The lead hears of a ticket its assignee was reminded of and still left: a second threshold, later than the first.
    for (const priority of prioritySchema.options) {
      const assignee = reminders.assigneeAfter?.[priority];
      const lead = reminders.leadAfter?.[priority];
      if (assignee !== undefined && lead !== undefined && lead <= assignee)
        context.addIssue({
          code: 'custom',
          path: ['leadAfter', priority],
          message: `the lead is told after the assignee is reminded: more than assigneeAfter.${priority} (${assignee} minutes)`,
        });
    }
  });

/** A ticket given to someone who does nothing with it within `afterMinutes` goes back (docs/reminders.md). */
export const handBackSchema = z
  .object({
    afterMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
    to: z.enum(['queue', 'previous']).default('queue'),
  })
  .strict();

/**
 * Who a waiting ticket is offered to: `round-robin` takes the group's online agents in turn,
 * `least-busy` the one with the fewest open tickets. An agent at `cap` open tickets (and offers) is
 * passed over; `caps` sets it per agent, and 0 takes that agent out of the rotation.
 */
export const routingSchema = z
  .object({
    mode: z.enum(['off', 'round-robin', 'least-busy']).default('off'),
    cap: z.number().int().min(0).max(1000).default(10),
    caps: z.record(slackUserId, z.number().int().min(0).max(1000)).default({}),
    /** An offer nobody answers within this is passed on to the next agent. */
    offerTimeoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(5),
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
    /** Where the group works: its SLA business hours are read in this zone (the SLA's zone when absent). */
    timeZone: timeZoneSchema.optional(),
    reminders: remindersSchema.optional(),
    handBack: handBackSchema.optional(),
    /** Offers of waiting tickets to the group's online agents (docs/routing.md); off unless it says otherwise. */
    routing: routingSchema.optional(),
  })
  .strict();

export const agentSchema = z
  .object({
    user: slackUserId,
    name,
    groups: z.array(z.number().int().positive()).min(1),
    role: z.enum(['agent', 'lead', 'admin']).default('agent'),
    timeZone: z.string().optional(),
    /**
     * The agent's level of support: false works tickets only, and is never offered, given or transferred a
     * chat. Absent means true (kept optional, not defaulted, so agents built in code need not spell it out).
     */
    chats: z.boolean().optional(),
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

/**
 * Which tickets a REST key may see and touch: every ticket, only those it filed itself, or those now
 * in some groups. Required, so that no key sees the whole desk without someone having said so.
 */
export const apiKeyScopeSchema = z.union(
  [z.literal('all'), z.literal('own'), z.object({ groups: z.array(z.number().int().positive()).min(1) }).strict()],
  { error: 'say which tickets this key may see: all, own (only the tickets it filed), or { groups: [group ids] }' },
);

/** The outbound webhook: http(s) only, and never a private address unless the workspace says so. */
const webhookUrlSchema = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

export const workspaceSchema = z
  .object({
    name: name.default('Support'),
    groups: z.array(groupSchema).min(1),
    agents: z.array(agentSchema).default([]),
    categories: z.array(z.object({ name, subcategories: z.array(name).min(1) }).strict()).default([]),
    rootCauses: z.array(z.object({ name, keywords: z.array(z.string().min(1)).default([]) }).strict()).default([]),
    macros: z.array(macroSchema).default([]),
    articles: z
      .array(
        z
          .object({
            title: name,
            // Agents open it from Slack, which links http(s) only: a javascript: or file: address is refused at load.
            url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
            keywords: z.array(z.string().min(1)).default([]),
            /** A line or two the reply form shows before the agent links the article. */
            summary: z.string().trim().min(1).max(300, 'an article summary is at most 300 characters').optional(),
          })
          .strict(),
      )
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
            scope: apiKeyScopeSchema,
          })
          .strict(),
      )
      .default([]),
    sla: slaSchema.optional(),
    outboundWebhook: z
      .object({
        url: webhookUrlSchema,
        secret: z.string().min(16, 'use a secret of at least 16 characters'),
        /** Posting to loopback, link-local or private addresses is refused unless this says so (a bridge on the same host). */
        allowPrivateNetwork: z.boolean().default(false),
      })
      .strict()
      .superRefine((webhook, context) => {
        // Zod runs this even when the url itself was refused: only a URL that parses has a host to check.
        if (webhook.allowPrivateNetwork || !URL.canParse(webhook.url)) return;
        const { hostname } = new URL(webhook.url);
        const range = privateRangeOfLiteral(hostname);
        if (range) {
          context.addIssue({
            code: 'custom',
            path: ['url'],
            message: `${hostname} is ${rangeWords(range)}; deskbolt posts there only with outboundWebhook.allowPrivateNetwork: true`,
          });
        }
      })
      .optional(),
    /** Mailboxes deskbolt reads (IMAP) and answers from (SMTP_URL): see docs/email.md. */
    email: z
      .object({
        mailboxes: z
          .array(
            z
              .object({
                address: z.email().max(254),
                /** The group tickets from this mailbox are filed in. */
                group: z.number().int().positive(),
                /** The name of the environment variable holding the IMAP URL (imaps://user:pass@host:993/INBOX): no password in this file. */
                imap: z
                  .string()
                  .regex(
                    /^[A-Za-z_][A-Za-z0-9_]*$/,
                    'the name of an environment variable (SUPPORT_IMAP_URL), not the URL itself',
                  ),
              })
              .strict(),
          )
          .default([]),
        /** A sender's new tickets an hour past which their mail is recorded and skipped (a loop, a flood). */
        newTicketsPerSenderPerHour: z.number().int().min(1).max(10_000).default(20),
      })
      .strict()
      .optional(),
    chat: z
      .object({
        notePrefix: z.string().min(1).max(20).default('note:'),
        shortcutSigil: z.string().length(1).default('#'),
        personalShortcutLimit: z.number().int().min(0).max(500).default(20),
        shortcuts: z
          .array(
            z.object({ name: z.string().regex(/^[a-z0-9_-]{1,40}$/i), text: z.string().min(1).max(3000) }).strict(),
          )
          .default([]),
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
    /** Files kept with tickets (docs/files.md): over a limit a file is refused, with a reason to its sender, and the rest kept. */
    files: z
      .object({
        /** One file's size; 20 MB, as most mail servers take. */
        maxFileMb: z.number().positive().max(1024).default(20),
        /** Files taken from one message (a Slack message, a mail, an API call); Slack itself allows 10 per message. */
        maxFilesPerMessage: z.number().int().min(1).max(100).default(10),
        /** All of one ticket's files together. */
        maxTicketMb: z.number().positive().max(10_240).default(100),
      })
      .strict()
      .prefault({}),
    settings: z
      .object({
        /** When true, agents work only tickets of their own groups. */
        restrictToOwnGroups: z.boolean().default(false),
        personalMacroLimit: z.number().int().min(0).max(500).default(20),
        /** An unanswered hand-over of a ticket between agents expires after this (the ticket stays where it was). */
        handoffExpiryMinutes: z
          .number()
          .int()
          .min(1)
          .max(7 * 24 * 60)
          .default(60),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((workspace, context) => {
    // Names are offered in Slack's pickers, where two alike are refused (and could not be told apart).
    const uniqueNames = (names: readonly string[], path: (index: number) => (string | number)[]) => {
      const seen = new Map<string, number>();
      names.forEach((named, index) => {
        const key = named.toLowerCase();
        const earlier = seen.get(key);
        if (earlier === undefined) seen.set(key, index);
        else
          context.addIssue({
            code: 'custom',
            path: path(index),
            message: `duplicates ${path(earlier)
              .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`))
              .join('')} (names are compared ignoring case)`,
          });
      });
    };
    uniqueNames(
      workspace.groups.map((group) => group.name),
      (i) => ['groups', i, 'name'],
    );
    uniqueNames(
      workspace.categories.map((category) => category.name),
      (i) => ['categories', i, 'name'],
    );
    for (const [c, category] of workspace.categories.entries())
      uniqueNames(category.subcategories, (i) => ['categories', c, 'subcategories', i]);
    uniqueNames(
      workspace.rootCauses.map((cause) => cause.name),
      (i) => ['rootCauses', i, 'name'],
    );
    uniqueNames(
      workspace.macros.map((macro) => macro.name),
      (i) => ['macros', i, 'name'],
    );
    const seenIds = new Map<number, number>();
    workspace.groups.forEach((group, index) => {
      const earlier = seenIds.get(group.id);
      if (earlier !== undefined) {
        context.addIssue({
          code: 'custom',
          path: ['groups', index, 'id'],
          message: `duplicates groups[${earlier}].id`,
        });
      }
      seenIds.set(group.id, index);
    });
    workspace.apiKeys.forEach((key, keyIndex) => {
      if (typeof key.scope !== 'object') return;
      key.scope.groups.forEach((groupId, groupIndex) => {
        if (!seenIds.has(groupId))
          context.addIssue({
            code: 'custom',
            path: ['apiKeys', keyIndex, 'scope', 'groups', groupIndex],
            message: `no group has id ${groupId}`,
          });
      });
    });
    // A chat started by DM goes where the file says, never to the first group by accident.
    const { defaultGroup, topics } = workspace.chat;
    if (defaultGroup !== undefined && !seenIds.has(defaultGroup)) {
      context.addIssue({ code: 'custom', path: ['chat', 'defaultGroup'], message: `no group has id ${defaultGroup}` });
    }
    workspace.email?.mailboxes.forEach((mailbox, index) => {
      if (!seenIds.has(mailbox.group))
        context.addIssue({
          code: 'custom',
          path: ['email', 'mailboxes', index, 'group'],
          message: `no group has id ${mailbox.group}`,
        });
    });
    uniqueNames(workspace.email?.mailboxes.map((mailbox) => mailbox.address) ?? [], (i) => [
      'email',
      'mailboxes',
      i,
      'address',
    ]);
    topics.forEach((topic, index) => {
      if (!seenIds.has(topic.group))
        context.addIssue({
          code: 'custom',
          path: ['chat', 'topics', index, 'group'],
          message: `no group has id ${topic.group}`,
        });
    });
    if (workspace.groups.length > 1 && defaultGroup === undefined && topics.length === 0) {
      context.addIssue({
        code: 'custom',
        path: ['chat', 'defaultGroup'],
        message:
          'with several groups, say which one gets chats started by DM (chat.defaultGroup), or offer chat.topics',
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
    // A cap for someone who is not an agent of the group is a typo that would silently cap nobody.
    workspace.groups.forEach((group, groupIndex) => {
      for (const user of Object.keys(group.routing?.caps ?? {})) {
        if (!workspace.agents.some((agent) => agent.user === user && agent.groups.includes(group.id)))
          context.addIssue({
            code: 'custom',
            path: ['groups', groupIndex, 'routing', 'caps', user],
            message: `${user} is not an agent of ${group.name}`,
          });
      }
    });
  });

export type Workspace = z.infer<typeof workspaceSchema>;
export type Group = z.infer<typeof groupSchema>;
export type RoutingSettings = z.infer<typeof routingSchema>;
export type Agent = z.infer<typeof agentSchema>;

/** The workspace file's `chats`, read with its default (true). */
export function takesChats(agent: Pick<Agent, 'chats'>): boolean {
  return agent.chats !== false;
}
export type Macro = z.infer<typeof macroSchema>;
export type ApiKey = Workspace['apiKeys'][number];
export type Priority = z.infer<typeof prioritySchema>;
export type SlaSettings = z.infer<typeof slaSchema>;
export type ReminderSettings = z.infer<typeof remindersSchema>;
export type HandBackSettings = z.infer<typeof handBackSchema>;
