/**
 * What Slack shows to one person only: their ephemeral messages and the stack of modals open in
 * their client. The fake server keeps these here so a viewer of the fake (the sandbox page) can show
 * each person exactly what Slack would show them.
 */

/** An ephemeral message: seen by `user` alone, in `channel` (or in a thread of it), never in history. */
export interface EphemeralMessage {
  channel: string;
  /** The one person who sees it. */
  user: string;
  ts: string;
  threadTs?: string;
  text?: string;
  blocks?: any[];
  attachments?: any[];
  /** How the app sent it: chat.postEphemeral, a response_url, or the body of a command's ack. */
  source: 'chat.postEphemeral' | 'response_url' | 'ack';
}

/** One view of a person's modal stack, bottom first, with the field errors the app last answered. */
export interface OpenModal {
  viewId: string;
  /** response_action "errors": block_id → message, shown under that input until the next submit. */
  errors: Record<string, string>;
}

export class PersonalSurfaces {
  private readonly ephemeralMessages: EphemeralMessage[] = [];
  private readonly stacks = new Map<string, OpenModal[]>();

  ephemerals(user: string, channel?: string): EphemeralMessage[] {
    return this.ephemeralMessages
      .filter((message) => message.user === user && (channel === undefined || message.channel === channel))
      .map((message) => structuredClone(message));
  }

  addEphemeral(message: EphemeralMessage): void {
    this.ephemeralMessages.push(message);
  }

  findEphemeral(user: string | undefined, channel: string, ts: string): EphemeralMessage | undefined {
    return this.ephemeralMessages.find(
      (m) => m.channel === channel && m.ts === ts && (user === undefined || m.user === user),
    );
  }

  deleteEphemeral(message: EphemeralMessage): void {
    const index = this.ephemeralMessages.indexOf(message);
    if (index >= 0) this.ephemeralMessages.splice(index, 1);
  }

  /** The person's open modal, bottom view first; empty when none is open. */
  stack(user: string): OpenModal[] {
    return (this.stacks.get(user) ?? []).map((modal) => structuredClone(modal));
  }

  /** Who has this view open, if anyone. */
  ownerOf(viewId: string): string | undefined {
    for (const [user, stack] of this.stacks) if (stack.some((modal) => modal.viewId === viewId)) return user;
    return undefined;
  }

  /** views.open: a new modal replaces whatever the person had open. */
  open(user: string, viewId: string): void {
    this.stacks.set(user, [{ viewId, errors: {} }]);
  }

  /** views.push, or response_action "push": on top of the person's stack. */
  push(user: string, viewId: string): void {
    const stack = this.stacks.get(user) ?? [];
    stack.push({ viewId, errors: {} });
    this.stacks.set(user, stack);
  }

  setErrors(viewId: string, errors: Record<string, string>): void {
    for (const stack of this.stacks.values())
      for (const modal of stack) if (modal.viewId === viewId) modal.errors = { ...errors };
  }

  /** Closes `viewId` and every view above it; `all` closes the person's whole stack. */
  close(user: string, viewId: string, all: boolean): string[] {
    const stack = this.stacks.get(user) ?? [];
    const index = stack.findIndex((modal) => modal.viewId === viewId);
    if (index < 0) return [];
    const closed = all ? stack.splice(0) : stack.splice(index);
    if (stack.length === 0) this.stacks.delete(user);
    return closed.map((modal) => modal.viewId).reverse();
  }

  clear(): void {
    this.ephemeralMessages.length = 0;
    this.stacks.clear();
  }
}
