import type { NormalizedEvent } from "../../engine/events.js";
import type { Backends } from "../../engine/ports/backends.js";
import { runCli } from "./run-cli.js";

export async function cli(env: Record<string, string | undefined>, ...argv: string[]) {
  const { code, outLines, err } = await runCli(argv, env);
  return {
    code,
    out: outLines,
    err,
    get lines() {
      return outLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
  };
}

/** Stores a connection whose tokens hold `marker`, sealed by the backend's own encryptor. */
export async function storeConnection(backends: Backends, vendor: string, userId: string, marker: string): Promise<void> {
  const sealedTokens = await backends.encryptor.seal(new TextEncoder().encode(JSON.stringify({ accessToken: `at-${marker}`, refreshToken: `rt-${marker}` })), { vendor, userId });
  await backends.tokenStore.put(
    { vendor, userId, vendorUserId: `v-${userId}`, status: "active", accessTokenExpiresAt: Date.UTC(2030, 0, 1), sealedTokens, updatedAt: Date.UTC(2026, 10, 1) },
    null,
  );
}

export function pushEvent(id: string): NormalizedEvent {
  return { id, vendor: "oura", type: "daily_sleep.updated", userId: "v-1", resourceId: "r", occurredAt: "2026-11-01T00:00:00Z", delivery: "push", authenticity: "verified", data: { secret: "payload-data" } };
}

/** Fails every delivery of the queue's jobs until they are dead-lettered. */
export async function deadLetterAll(backends: Backends, count: number, maxReceives: number): Promise<void> {
  for (let round = 0; round < maxReceives; round += 1) {
    const received = [];
    for (let attempt = 0; attempt < 6 && received.length < count; attempt += 1) {
      received.push(...(await backends.jobQueue.receive({ maxJobs: count - received.length, visibilityTimeoutMs: 60_000 })));
    }
    if (received.length !== count) throw new Error(`round ${round}: received ${received.length} of ${count}`);
    await Promise.all(received.map((job) => backends.jobQueue.release(job.receipt)));
  }
  await backends.jobQueue.receive({ maxJobs: 10, visibilityTimeoutMs: 60_000 });
}
