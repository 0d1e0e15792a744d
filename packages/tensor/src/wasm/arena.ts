/**
 * A first-fit allocator of byte ranges in the kernels' linear memory, above a fixed start. Free
 * ranges are kept sorted by address and merged with their neighbours, so memory freed by one run
 * (a model's scratch matrices) is reused by the next. When nothing fits, the top of the heap moves
 * up and `grow` is asked to make the memory at least that large.
 *
 * Allocations are few and long-lived (a model's buffers, the gemm staging area), so a linear scan
 * of the free list is fine; nothing here runs per product.
 */
export class Arena {
  /** Free ranges below `top`, sorted by start, never adjacent to each other. */
  private readonly free: { start: number; bytes: number }[] = [];
  /** Sizes of the live allocations, by start. */
  private readonly live = new Map<number, number>();
  private top: number;

  constructor(
    start: number,
    private readonly alignment: number,
    /** Makes the memory at least `bytes` long (throws if it cannot). */
    private readonly grow: (bytes: number) => void,
  ) {
    this.top = this.align(start);
  }

  /** Bytes between the arena's start and its highest allocation (for tests and diagnostics). */
  get end(): number {
    return this.top;
  }

  /** Number of live allocations. */
  get liveCount(): number {
    return this.live.size;
  }

  /** Reserves `bytes` (rounded up to the alignment) and returns the start offset. */
  allocate(bytes: number): number {
    const size = Math.max(this.alignment, this.align(bytes));
    for (let i = 0; i < this.free.length; i++) {
      const range = this.free[i];
      if (range.bytes < size) continue;
      const start = range.start;
      if (range.bytes === size) this.free.splice(i, 1);
      else {
        range.start += size;
        range.bytes -= size;
      }
      this.live.set(start, size);
      return start;
    }
    // Nothing fits: extend the top, absorbing a free range that ends there.
    const last = this.free[this.free.length - 1];
    let start = this.top;
    if (last && last.start + last.bytes === this.top) {
      start = last.start;
      this.free.pop();
    }
    this.grow(start + size);
    this.top = start + size;
    this.live.set(start, size);
    return start;
  }

  /** Returns the range that `allocate` gave at `start`. Freeing twice or an unknown offset throws. */
  release(start: number): void {
    const size = this.live.get(start);
    if (size === undefined) throw new Error(`wasm kernels: no live allocation at ${start}`);
    this.live.delete(start);
    let index = 0;
    while (index < this.free.length && this.free[index].start < start) index++;
    const before = this.free[index - 1];
    const after = this.free[index];
    if (before && before.start + before.bytes === start) {
      before.bytes += size;
      if (after && start + size === after.start) {
        before.bytes += after.bytes;
        this.free.splice(index, 1);
      }
    } else if (after && start + size === after.start) {
      after.start = start;
      after.bytes += size;
    } else {
      this.free.splice(index, 0, { start, bytes: size });
    }
  }

  private align(bytes: number): number {
    return Math.ceil(bytes / this.alignment) * this.alignment;
  }
}
