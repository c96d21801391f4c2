import type { Authorize, AuthorizeResult } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';

/**
 * Bolt's `authorize` for one bot token: who the bot is (auth.test), asked of Slack once and reused for
 * every request. Bolt's own single-token path asks before nearly every request when token verification
 * is off, which puts a Slack round trip in front of each ack; with it on, start fails when Slack is
 * unreachable. Here the first request asks, the answer is kept, and a failed ask is asked again by the
 * next request.
 */
export function botIdentity(client: WebClient, botToken: string): Authorize<boolean> {
  let identity: Promise<AuthorizeResult> | undefined;
  return () => {
    identity ??= client.auth.test().then(
      (answer) => ({
        botToken,
        ...(answer.bot_id ? { botId: answer.bot_id } : {}),
        ...(answer.user_id ? { botUserId: answer.user_id } : {}),
        ...(answer.team_id ? { teamId: answer.team_id } : {}),
      }),
      (error: unknown) => {
        identity = undefined;
        throw error;
      },
    );
    return identity;
  };
}
