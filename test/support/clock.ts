import type { Clock } from '../../src/clock.js';

/** A clock a test moves by hand: no test sleeps for real time. */
export class TestClock {
  private current: Date;

  constructor(start = '2026-11-02T09:00:00Z') {
    this.current = new Date(start);
  }

  readonly now: Clock = () => new Date(this.current);

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }

  set(when: string | Date): void {
    this.current = new Date(when);
  }
}
