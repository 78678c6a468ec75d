/**
 * An index over a queue's messages, kept beside the state because the state must stay plain
 * JSON: where each message sits in `queue.messages`, which messages are visible now, and when
 * hidden ones come back. With it ReceiveMessage, DeleteMessage(Batch) and
 * ChangeMessageVisibility(Batch) cost O(batch) rather than O(queue) on standard queues, so a
 * 100,000-message dead-letter queue scans in seconds instead of minutes.
 *
 * `queue.messages` stays the truth, and stays exact after every call (tests and the bench read
 * it). The index follows it: a replaced array (PurgeQueue, a loaded state file, retention) or a
 * shorter one is indexed again from scratch; messages pushed at its end (SendMessage, Customer
 * Profiles writing its dead-letter queue) are picked up from the end.
 *
 * Standard queues promise no order, so a removed message's slot takes the last message
 * (swap-remove). FIFO queues keep their array in order and their receives walk it in order
 * (sqs-handlers-messages.ts): order is their contract, and the bot's queues are standard.
 */
import type { SqsMessage, SqsQueue } from "../state.js";

/** A hidden message and the time it was hidden until; stale once its `visibleAt` changed. */
type Hidden = { at: number; m: SqsMessage };

interface QueueIndex {
  array: SqsMessage[];
  length: number;
  position: Map<string, number>;
  /** Messages that were visible when added; each is checked again when taken from here. */
  ready: (SqsMessage | undefined)[];
  head: number;
  /** A min-heap on `at`; stale entries are dropped when they reach the top. */
  hidden: Hidden[];
  /** The oldest SentTimestamp indexed: retention needs no walk before it has passed. */
  oldestSent: number;
}

const indexes = new WeakMap<SqsQueue, QueueIndex>();

const isFifo = (queue: SqsQueue) => queue.attributes.FifoQueue === "true";

function build(queue: SqsQueue, now: number): QueueIndex {
  const ix: QueueIndex = {
    array: queue.messages,
    length: 0,
    position: new Map(),
    ready: [],
    head: 0,
    hidden: [],
    oldestSent: Number.POSITIVE_INFINITY,
  };
  indexes.set(queue, ix);
  absorb(queue, ix, now);
  return ix;
}

/** Indexes the messages pushed at the array's end since the index last saw it. */
function absorb(queue: SqsQueue, ix: QueueIndex, now: number): void {
  const fifo = isFifo(queue);
  for (let i = ix.length; i < ix.array.length; i++) {
    const m = ix.array[i] as SqsMessage;
    ix.position.set(m.messageId, i);
    ix.oldestSent = Math.min(ix.oldestSent, m.sentTimestamp);
    if (!fifo) route(ix, m, now);
  }
  ix.length = ix.array.length;
}

/** The queue's index, brought up to date with its array. */
function indexOf(queue: SqsQueue, now: number): QueueIndex {
  const ix = indexes.get(queue);
  if (!ix || ix.array !== queue.messages || ix.array.length < ix.length) return build(queue, now);
  if (ix.array.length > ix.length) absorb(queue, ix, now);
  return ix;
}

function route(ix: QueueIndex, m: SqsMessage, now: number): void {
  if (m.visibleAt <= now) ix.ready.push(m);
  else heapPush(ix.hidden, { at: m.visibleAt, m });
}

const present = (ix: QueueIndex, m: SqsMessage) =>
  ix.array[ix.position.get(m.messageId) ?? -1] === m;

/** The message with this id, in O(1). */
export function findMessage(queue: SqsQueue, messageId: string, now: number) {
  const ix = indexOf(queue, now);
  const at = ix.position.get(messageId);
  return at === undefined ? undefined : ix.array[at];
}

/** Removes a message from the queue: O(1) on standard queues, O(n) on FIFO ones (order kept). */
export function removeMessage(queue: SqsQueue, m: SqsMessage, now: number): void {
  const ix = indexOf(queue, now);
  const at = ix.position.get(m.messageId);
  if (at === undefined || ix.array[at] !== m) return;
  ix.position.delete(m.messageId);
  if (isFifo(queue)) {
    ix.array.splice(at, 1);
    for (let i = at; i < ix.array.length; i++) {
      ix.position.set((ix.array[i] as SqsMessage).messageId, i);
    }
  } else {
    const last = ix.array.pop() as SqsMessage;
    if (last !== m) {
      ix.array[at] = last;
      ix.position.set(last.messageId, at);
    }
  }
  ix.length = ix.array.length;
}

/** Sets when a message is visible again, keeping the index's view of it. */
export function setVisibleAt(queue: SqsQueue, m: SqsMessage, at: number, now: number): void {
  const ix = indexOf(queue, now);
  m.visibleAt = at;
  if (!isFifo(queue) && present(ix, m)) route(ix, m, now);
}

/** Moves the messages whose time has come from the hidden heap to the ready list. */
function release(ix: QueueIndex, now: number): void {
  for (let top = ix.hidden[0]; top && top.at <= now; top = ix.hidden[0]) {
    heapPop(ix.hidden);
    if (top.m.visibleAt === top.at && present(ix, top.m)) ix.ready.push(top.m);
  }
  // Entries go stale as leases change; past this size, rebuilding is cheaper than carrying them.
  if (ix.hidden.length > 2 * ix.array.length + 1024) {
    ix.hidden = [];
    for (const m of ix.array) if (m.visibleAt > now) heapPush(ix.hidden, { at: m.visibleAt, m });
  }
}

/**
 * The next visible message of a standard queue, taken off the ready list: the caller hides it
 * (setVisibleAt) or removes it. Undefined when none is visible.
 */
export function nextVisible(queue: SqsQueue, now: number): SqsMessage | undefined {
  const ix = indexOf(queue, now);
  release(ix, now);
  while (ix.head < ix.ready.length) {
    const m = ix.ready[ix.head] as SqsMessage;
    ix.ready[ix.head] = undefined;
    ix.head += 1;
    // A queue that never runs dry would otherwise keep every slot it ever took from.
    if (ix.head > 1024 && ix.head * 2 > ix.ready.length) {
      ix.ready = ix.ready.slice(ix.head);
      ix.head = 0;
    }
    if (m.visibleAt <= now && present(ix, m)) return m;
  }
  ix.ready = [];
  ix.head = 0;
  return undefined;
}

/** When the next hidden message of a standard queue may become visible (an upper bound is fine: waiters re-check). */
export function nextVisibleAt(queue: SqsQueue, now: number): number {
  const ix = indexOf(queue, now);
  while (
    ix.hidden[0] &&
    !(ix.hidden[0].m.visibleAt === ix.hidden[0].at && present(ix, ix.hidden[0].m))
  ) {
    heapPop(ix.hidden);
  }
  return ix.hidden[0]?.at ?? Number.POSITIVE_INFINITY;
}

/**
 * At most how many messages are hidden: every hidden message has an entry in the heap, and
 * stale entries only make the bound looser. Exact counting is left to the rare queue near the
 * in-flight limit.
 */
export function hiddenAtMost(queue: SqsQueue, now: number): number {
  return indexOf(queue, now).hidden.length;
}

/** Drops messages past the retention period; walks the queue only once the oldest has expired. */
export function expire(queue: SqsQueue, now: number, retentionMs: number): void {
  const ix = indexOf(queue, now);
  if (now - ix.oldestSent < retentionMs) return;
  const kept = queue.messages.filter((m) => now - m.sentTimestamp < retentionMs);
  if (kept.length !== queue.messages.length) {
    queue.messages = kept;
    build(queue, now);
  } else {
    // The oldest was deleted since: remember the real oldest so the next walk waits for it.
    ix.oldestSent = Number.POSITIVE_INFINITY;
    for (const m of kept) ix.oldestSent = Math.min(ix.oldestSent, m.sentTimestamp);
  }
}

// ---- a binary min-heap on `at` ------------------------------------------------------------

function heapPush(heap: Hidden[], entry: Hidden): void {
  heap.push(entry);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if ((heap[parent] as Hidden).at <= entry.at) break;
    heap[i] = heap[parent] as Hidden;
    i = parent;
  }
  heap[i] = entry;
}

function heapPop(heap: Hidden[]): void {
  const last = heap.pop();
  if (!last || heap.length === 0) return;
  let i = 0;
  for (;;) {
    const left = 2 * i + 1;
    if (left >= heap.length) break;
    const right = left + 1;
    const child =
      right < heap.length && (heap[right] as Hidden).at < (heap[left] as Hidden).at ? right : left;
    if ((heap[child] as Hidden).at >= last.at) break;
    heap[i] = heap[child] as Hidden;
    i = child;
  }
  heap[i] = last;
}
