/** Summary statistics of a list of durations in nanoseconds. */
export interface LatencySummary {
  readonly n: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly perSecond: number;
}

export function summarize(samplesNs: Float64Array | number[], totalNs: number): LatencySummary {
  const sorted = Float64Array.from(samplesNs).sort();
  const n = sorted.length;
  return {
    n,
    meanUs: round(totalNs / n / 1000),
    p50Us: round(percentile(sorted, 0.5) / 1000),
    p99Us: round(percentile(sorted, 0.99) / 1000),
    perSecond: Math.round(n / (totalNs / 1e9)),
  };
}

export function percentile(sorted: Float64Array | number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Scenario output: one JSON line on stdout, read by bench/run.mjs. */
export function emit(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
