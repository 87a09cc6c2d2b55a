import type { StoredDelivery } from './delivery-index.js';

/** Pending deliveries of one webhook, soonest `nextAttemptAt` first (then enqueue order): a binary heap. */
export class DueQueue {
  readonly #heap: StoredDelivery[] = [];

  get size(): number {
    return this.#heap.length;
  }

  peek(): StoredDelivery | undefined {
    return this.#heap[0];
  }

  push(delivery: StoredDelivery): void {
    const heap = this.#heap;
    heap.push(delivery);
    let child = heap.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!comesFirst(heap[child]!, heap[parent]!)) break;
      [heap[child], heap[parent]] = [heap[parent]!, heap[child]!];
      child = parent;
    }
  }

  pop(): StoredDelivery | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let parent = 0;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let first = parent;
      if (left < heap.length && comesFirst(heap[left]!, heap[first]!)) first = left;
      if (right < heap.length && comesFirst(heap[right]!, heap[first]!)) first = right;
      if (first === parent) return top;
      [heap[first], heap[parent]] = [heap[parent]!, heap[first]!];
      parent = first;
    }
  }
}

function comesFirst(a: StoredDelivery, b: StoredDelivery): boolean {
  const aAt = a.nextAttemptAt ?? 0;
  const bAt = b.nextAttemptAt ?? 0;
  return aAt < bAt || (aAt === bAt && a.seq < b.seq);
}
