import type { SyncPurpose } from "../ports/job-queue.js";
import type { SyncState } from "../ports/sync-state-store.js";

/** One run of one stream (a backfill, a poll, a reconciliation, an on-demand sync), cut into windows. */
export interface RunState {
  readonly purpose: SyncPurpose;
  readonly from: number;
  readonly to: number;
  readonly windowMs: number;
  readonly total: number;
  /** Indexes of the windows finished. */
  readonly done: readonly number[];
  readonly records: number;
  readonly startedAt: number;
  /** The plan has enqueued every window task of the run. */
  readonly enqueued?: boolean;
}

export interface FinishedRun {
  readonly runId: string;
  readonly from: number;
  readonly to: number;
  readonly records: number;
  readonly finishedAt: number;
}

/** What the store keeps for one user and stream (checkpoint.state). */
export interface StreamState {
  /** Epoch ms: every record before it has been read. The incremental checkpoint. */
  readonly position?: number;
  /** The latest record time seen (epoch ms), from the stream's `cursor`. */
  readonly cursor?: number;
  readonly runs: Readonly<Record<string, RunState>>;
  readonly last: Partial<Readonly<Record<SyncPurpose, FinishedRun>>>;
}

export function streamStateOf(state: SyncState | undefined): StreamState {
  const value = (state ?? {}) as Partial<StreamState>;
  return { ...value, runs: value.runs ?? {}, last: value.last ?? {} };
}

/** [from, to) cut into windows of at most windowMs, oldest first. */
export function windowsOf(from: number, to: number, windowMs: number): { index: number; from: number; to: number }[] {
  const windows: { index: number; from: number; to: number }[] = [];
  for (let start = from, index = 0; start < to; start += windowMs, index++) windows.push({ index, from: start, to: Math.min(to, start + windowMs) });
  return windows;
}

/**
 * The state after window `index` of `runId` finished with `records` delivered. For runs that read forward (all but
 * reconciliation) the position moves to the end of the finished windows that have no unfinished one before them, so a
 * crash or a reconnect resumes without a gap.
 */
export function withWindowDone(state: StreamState, runId: string, index: number, records: number, cursor: number | undefined): StreamState {
  const run = state.runs[runId];
  if (!run || run.done.includes(index)) return state;
  const done = [...run.done, index].sort((a, b) => a - b);
  const updated: RunState = { ...run, done, records: run.records + records };
  let position = state.position;
  if (run.purpose !== "reconciliation") {
    let prefix = 0;
    while (prefix < done.length && done[prefix] === prefix) prefix++;
    const reached = Math.min(run.to, run.from + prefix * run.windowMs);
    if (prefix > 0 && (position === undefined || reached > position)) position = reached;
  }
  const latest = cursor === undefined ? state.cursor : Math.max(cursor, state.cursor ?? cursor);
  return {
    ...state,
    ...(position === undefined ? {} : { position }),
    ...(latest === undefined ? {} : { cursor: latest }),
    runs: { ...state.runs, [runId]: updated },
  };
}

export function isRunComplete(run: RunState): boolean {
  return run.done.length >= run.total;
}

/** The run leaves `runs` for `last`, where status reads it. */
export function withRunFinished(state: StreamState, runId: string, finishedAt: number): StreamState {
  const run = state.runs[runId];
  if (!run) return state;
  const { [runId]: _finished, ...runs } = state.runs;
  return { ...state, runs, last: { ...state.last, [run.purpose]: { runId, from: run.from, to: run.to, records: run.records, finishedAt } } };
}
