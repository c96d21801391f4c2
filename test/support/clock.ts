import type { Clock } from '../../src/clock.js';

/** A clock a test moves by hand: no test sleeps for real time, and what the app waits for waits for the test. */
export class TestClock {
  private current: Date;
  private sleepers: { until: number; wake: () => void }[] = [];
  private sleepWatchers: (() => void)[] = [];

  constructor(start = '2026-11-02T09:00:00Z') {
    this.current = new Date(start);
  }

  readonly now: Clock = () => new Date(this.current);

  /** The app's way to wait (a Retry-After): done when the test moves the clock past it. */
  readonly sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.sleepers.push({ until: this.current.getTime() + ms, wake: resolve });
      for (const watcher of this.sleepWatchers.splice(0)) watcher();
    });

  /** Resolves when something in the app waits on this clock. */
  someoneSleeps(): Promise<void> {
    return this.sleepers.length > 0 ? Promise.resolve() : new Promise((resolve) => this.sleepWatchers.push(resolve));
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
    this.wakeDue();
  }

  set(when: string | Date): void {
    this.current = new Date(when);
    this.wakeDue();
  }

  private wakeDue(): void {
    const due = this.sleepers.filter((sleeper) => sleeper.until <= this.current.getTime());
    this.sleepers = this.sleepers.filter((sleeper) => sleeper.until > this.current.getTime());
    for (const sleeper of due) sleeper.wake();
  }
}
