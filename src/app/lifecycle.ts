/**
 * The lifecycle of a process's parts: a composition root lists them in start order; they are started one after the
 * other and stopped in reverse. A part that fails to start stops the parts started before it (in reverse) and the
 * start fails with its error. A stop runs once however often it is asked for; a part whose stop fails is logged and
 * the parts after it are still stopped. A stop asked for while a part is starting waits for that start to end, starts
 * no further part, and stops the started ones in reverse.
 */
import type { Log } from '../ports/log.js';

/** One part of a process (the door's store, link, door, readers, scheduler; the centre's store and receiver). */
export interface Part {
  /** What the part is (for logs). */
  readonly name: string;
  /** Start, after every part listed before it has started. */
  start(): void | Promise<void>;
  /** Stop, before any part listed before it stops. */
  stop(reason: string): void | Promise<void>;
}

/** Parts started in the order given and stopped in reverse. */
export class Lifecycle {
  private readonly started: Part[] = [];
  private starting: Promise<void> | null = null;
  private stopRequested = false;
  private stopping: Promise<void> | null = null;

  /** Hold the parts in start order; nothing starts until `start()`. */
  constructor(private readonly parts: readonly Part[], private readonly log: Log) {}

  /** The parts in start order. */
  get order(): string[] {
    return this.parts.map((p) => p.name);
  }

  /** Start every part in order; if one fails, stop those started (in reverse) and throw its error. */
  start(): Promise<void> {
    if (this.starting || this.stopRequested) throw new Error('lifecycle already started or stopped');
    this.starting = this.startAll();
    return this.starting;
  }

  private async startAll(): Promise<void> {
    for (const part of this.parts) {
      if (this.stopRequested) return;
      try {
        await part.start();
      } catch (err) {
        this.log.error({ part: part.name, err: (err as Error).message }, 'a part failed to start: stopping the parts started before it');
        // A stop already asked for runs once this start has ended; otherwise the failed start stops what it started.
        if (!this.stopping) {
          this.stopRequested = true;
          this.stopping = this.stopAll(`${part.name} failed to start`);
          await this.stopping;
        }
        throw err;
      }
      this.started.push(part);
    }
  }

  /** Stop the started parts in reverse order (after a start under way has ended); safe to call more than once (one stop). */
  stop(reason: string): Promise<void> {
    this.stopRequested = true;
    this.stopping ??= (this.starting ?? Promise.resolve()).catch(() => undefined).then(() => this.stopAll(reason));
    return this.stopping;
  }

  private async stopAll(reason: string): Promise<void> {
    for (const part of this.started.splice(0).reverse()) {
      try {
        await part.stop(reason);
      } catch (err) {
        this.log.error({ part: part.name, err: (err as Error).message }, 'stopping a part failed');
      }
    }
  }
}
