/**
 * A clock that stands still while the event loop is blocked. Bytes that reach the serial port while the process is
 * busy (a long synchronous call, a garbage-collection pause) are only read when the loop resumes; measured with the
 * wall clock they look far apart and a frame would be dropped for its inter-byte timeout. Measured with this clock,
 * the time the loop could not read does not count, so a gap is only what the wire really had.
 */

/** Event-loop time: milliseconds during which the loop was free to read. */
export class LoopTime {
  private stalled = 0;
  private last: number;
  private timer: NodeJS.Timeout | null = null;

  /** `tickMs`: how often the loop's progress is sampled; `clock`: a monotonic ms clock (default performance.now). */
  constructor(private readonly tickMs = 20, private readonly clock: () => number = () => performance.now()) {
    this.last = clock();
  }

  /** Start sampling (an unref'd interval: never keeps the process alive). */
  start(): void {
    if (this.timer) return;
    this.last = this.clock();
    this.timer = setInterval(() => this.sample(), this.tickMs);
    this.timer.unref();
  }

  /** Stop sampling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Record the loop's progress: any delay of this tick beyond its interval was a stall. */
  sample(): void {
    const t = this.clock();
    const lag = t - this.last - this.tickMs;
    if (lag > 0) this.stalled += lag;
    this.last = t;
  }

  /** Now, in event-loop time: the wall time less every stall, including one still unsampled. */
  now(): number {
    const t = this.clock();
    return t - this.stalled - Math.max(0, t - this.last - this.tickMs);
  }
}
