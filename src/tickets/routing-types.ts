/**
 * An offer of a waiting ticket to one agent of its group. `offered` until answered: `accepted` (the
 * agent took it), `passed` (Pass), `expired` (no answer in time), `offline` (the agent went offline
 * meanwhile), `cancelled` (the ticket stopped waiting: taken by hand, merged, moved, routing off).
 */
export type RoutingOfferState = 'offered' | 'accepted' | 'passed' | 'expired' | 'offline' | 'cancelled';

export interface RoutingOffer {
  /** `<ticket>:<round>:<agent>`: one offer per ticket, agent and round, so a repeated start of a round offers nobody twice. */
  id: string;
  ticketNumber: number;
  groupId: number;
  /** The rotation this offer belongs to: the id of the event that put the ticket in the queue. */
  round: string;
  agent: string;
  state: RoutingOfferState;
  offeredAt: Date;
  expiresAt: Date;
  answeredAt: Date | null;
  /** The agent's DM with Accept / Pass, updated once the offer is answered. */
  message: { channel: string; ts: string } | null;
}

/** A lead's switch of a group's routing from Slack: kept in the database, it overrides the file's mode. */
export interface RoutingSwitch {
  groupId: number;
  on: boolean;
  by: string;
  at: Date;
}
