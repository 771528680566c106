/** SendMessageBatch limits: 10 entries, and the bodies plus message attributes of all entries together. */
export const maxEntriesPerBatch = 10;
export const defaultMaxBatchBytes = 256 * 1024;

export interface Sized {
  readonly bytes: number;
}

/**
 * Splits `items` in order into batches of at most `maxEntries` whose sizes add up to at most `maxBytes`.
 * Every item must itself fit `maxBytes` (callers reject larger ones first).
 */
export function splitIntoBatches<T extends Sized>(
  items: readonly T[],
  maxEntries = maxEntriesPerBatch,
  maxBytes = defaultMaxBatchBytes,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    if (item.bytes > maxBytes)
      throw new RangeError(`an entry of ${item.bytes} bytes cannot fit a batch of ${maxBytes}`);
    if (current.length === maxEntries || currentBytes + item.bytes > maxBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += item.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
