import type { SandboxDesk } from './desk.js';
import { type MorningStep, supportMorning } from './morning.js';
import type { DemoStatus } from './wire.js';

/** Where "Play the demo" is: shown in every open page, which follows the actor of the last step. */
export type PlayerStatus = DemoStatus;

/** Plays the scripted morning on the running sandbox one step per request, from an empty desk. */
export class MorningPlayer {
  private steps: MorningStep[] = [];
  private done = 0;
  private playing = false;
  private running = false;
  private last: PlayerStatus['last'];
  private problem: string | undefined;

  constructor(
    private readonly desk: () => SandboxDesk,
    private readonly changed: (status: PlayerStatus) => void,
  ) {}

  status(): PlayerStatus {
    const next = this.playing ? this.steps[this.done] : undefined;
    return {
      playing: this.playing,
      done: this.done,
      total: this.steps.length,
      running: this.running,
      ...(this.last ? { last: this.last } : {}),
      ...(next ? { next: { title: next.title, actor: next.actor } } : {}),
      ...(this.problem ? { problem: this.problem } : {}),
    };
  }

  /** Empties the desk (the story assumes it) and stands before the first step. */
  async start(): Promise<PlayerStatus> {
    if (this.running) return this.status();
    this.running = true;
    try {
      await this.desk().reset();
      this.steps = supportMorning();
      this.done = 0;
      this.playing = true;
      this.last = undefined;
      this.problem = undefined;
    } finally {
      this.running = false;
    }
    return this.announce();
  }

  async next(): Promise<PlayerStatus> {
    const step = this.steps[this.done];
    if (!this.playing || this.running || step === undefined) return this.status();
    this.running = true;
    this.announce();
    try {
      const desk = this.desk();
      const place = await step.run({ act: desk.act, fake: desk.fake, store: desk.store });
      this.last = { title: step.title, actor: step.actor, place };
      this.done += 1;
      if (this.done === this.steps.length) this.playing = false;
    } catch (error) {
      // Someone changed the desk in another tab, or the app no longer answers as the story expects.
      this.problem = `The demo stopped at “${step.title}”: ${(error as Error).message}. Reset and play it again.`;
      this.playing = false;
    } finally {
      this.running = false;
    }
    return this.announce();
  }

  /** Stops and forgets the story (Stop, Close, Reset): the pages drop the demo bar. */
  stop(): PlayerStatus {
    this.playing = false;
    this.steps = [];
    this.done = 0;
    this.last = undefined;
    this.problem = undefined;
    return this.announce();
  }

  private announce(): PlayerStatus {
    const status = this.status();
    this.changed(status);
    return status;
  }
}
