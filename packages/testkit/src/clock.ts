/** A manual monotonic clock for tests of code that takes `now` as input. */
export class FakeClock {
  constructor(public now = 0) {}
  advance(ms: number): number {
    if (ms < 0) throw new RangeError('a monotonic clock does not go back');
    this.now += ms;
    return this.now;
  }
}
