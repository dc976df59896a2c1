/** A token bucket per destination: requests per second with a burst of one second's worth. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = Math.max(1, ratePerSecond);
    this.last = this.now();
  }

  /** Milliseconds to wait before the next request may go (0 = now); consumes a token when it returns 0. */
  tryTake(): number {
    const now = this.now();
    this.tokens = Math.min(
      Math.max(1, this.ratePerSecond),
      this.tokens + ((now - this.last) / 1000) * this.ratePerSecond,
    );
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.ratePerSecond) * 1000);
  }

  async take(): Promise<void> {
    for (;;) {
      const wait = this.tryTake();
      if (wait === 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
