import type { App } from '@slack/bolt';

/**
 * Slack waits 3 seconds for an answer to every interaction, and Bolt answers only what a listener
 * acknowledges: a payload nothing listens for (a view_closed, an action or shortcut of another app's
 * id, an unknown command) was left to time out and answered 404 with an error in the log. Every request
 * is now answered: by its listener as soon as it acks, else here as soon as the app is done with it —
 * at once when no listener ran. A request that failed is left to the receiver's error handler. It wraps Bolt's processEvent, the one door both receivers (HTTP and
 * Socket Mode) hand each request through, because only there is every ack seen.
 */
export function answerEveryRequest(app: App): void {
  const processEvent = app.processEvent.bind(app);
  app.processEvent = async (event) => {
    let answered = false;
    const ack: typeof event.ack = async (response) => {
      answered = true;
      await event.ack(response);
    };
    try {
      await processEvent({ ...event, ack });
    } catch (error) {
      // A request that failed before any ack is answered by the receiver's error handler, with a
      // status that says why (400 for a payload Slack never sends, 401, 500): not with a blank 200.
      answered = true;
      throw error;
    } finally {
      if (!answered) await event.ack().catch(() => undefined);
    }
  };
}
