import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, expect } from "vitest";
import { isConnectorError, type ConnectorErrorCode } from "../../engine/errors.js";
import type { NormalizedEvent } from "../../engine/events.js";
import type { Job } from "../../engine/ports/job-queue.js";

/**
 * What a backend factory hands a contract suite. A fresh, isolated subject is made for every test
 * (`beforeEach`), so a backend sharing one table or queue must give each test its own (or purge it).
 */
export interface ContractHarness<Subject> {
  readonly subject: Subject;
  /**
   * Moves the backend's clock forward without waiting. Present only when the backend reads a clock
   * the test controls; without it the suite waits in real time, with short TTLs.
   */
  readonly advance?: (ms: number) => Promise<void>;
  /** The backend's current time. Defaults to `Date.now`. */
  readonly now?: () => number;
  readonly cleanup?: () => Promise<void>;
}

export type HarnessFactory<Subject, Extra = object> = () => Promise<ContractHarness<Subject> & Extra>;

/** Time as a suite sees it: the fake clock when the backend has one, real time otherwise. */
export interface TestTime {
  readonly controllable: boolean;
  now(): number;
  pass(ms: number): Promise<void>;
}

const REAL_TIME_MARGIN_MS = 3;

export function testTimeOf(harness: ContractHarness<unknown>): TestTime {
  const advance = harness.advance;
  return {
    controllable: advance !== undefined,
    now: harness.now ?? (() => Date.now()),
    // Timers run on a monotonic clock while backends read Date.now() in whole milliseconds: after a timer of `ms`
    // the wall clock may show ms - 1. A small margin makes "after that much time" true on both clocks.
    pass: advance ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms + REAL_TIME_MARGIN_MS))),
  };
}

/**
 * Registers beforeEach/afterEach that make a fresh harness per test and clean it up.
 * Call inside a `describe`; read `current()` inside each `it`.
 */
export function useHarness<Subject, Extra>(factory: HarnessFactory<Subject, Extra>): () => ContractHarness<Subject> & Extra {
  let harness: (ContractHarness<Subject> & Extra) | undefined;
  beforeEach(async () => {
    harness = await factory();
  });
  afterEach(async () => {
    const finished = harness;
    harness = undefined;
    await finished?.cleanup?.();
  });
  return () => {
    if (!harness) throw new Error("contract harness used outside a test");
    return harness;
  };
}

/** Names unique per call, so suites can share a real table with other runs. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function expectConnectorError(promise: Promise<unknown>, code: ConnectorErrorCode): Promise<unknown> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught ?? new Error("rejected with nothing"),
  );
  expect(error, `expected a ConnectorError("${code}")`).toBeDefined();
  expect(isConnectorError(error, code), `expected ConnectorError("${code}"), got ${String(error)}`).toBe(true);
  return error;
}

/** Starts `count` calls at once and waits for every one to settle. */
export function runConcurrently<T>(count: number, call: (index: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(Array.from({ length: count }, (_, index) => call(index)));
}

export function fulfilledValues<T>(results: readonly PromiseSettledResult<T>[]): T[] {
  return results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
}

export function rejectionReasons(results: readonly PromiseSettledResult<unknown>[]): unknown[] {
  return results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
}

/** The event of a queued job; fails the test for a sync job. */
export function eventOf(job: Job | undefined): NormalizedEvent {
  if (!job || job.kind === "sync") throw new Error("expected an event job");
  return job.event;
}
