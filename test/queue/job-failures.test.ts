import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { MemoryJobQueue } from "../../engine/backends/embedded/memory-job-queue.js";
import type { NormalizedEvent } from "../../engine/events.js";
import type { EventJob } from "../../engine/ports/job-queue.js";
import { handleSqsBatch, type SqsRecord } from "../../engine/handlers/lambda-sqs.js";
import { createLogger } from "../../engine/logging/logger.js";
import { encodeJobMessage } from "../../engine/queue/job-message.js";
import { createWorker, SinkError, type JobFailure } from "../../engine/queue/index.js";

function event(id: string): NormalizedEvent {
  return { id, vendor: "oura", type: "daily_sleep.updated", userId: "v-1", resourceId: "r", occurredAt: "2026-11-01T00:00:00Z", delivery: "push", authenticity: "verified", data: { token: "rt-SECRET" } };
}

function capturingLogger(level: "debug" | "info" | "warn" | "error" = "info") {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger({ level, write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

describe("worker failure reports", () => {
  it("logs each failed attempt (warn), the last one as dead-lettered (error), and calls onError for each", async () => {
    const queue = new MemoryJobQueue({ maxReceives: 2 });
    const { lines, logger } = capturingLogger();
    const failures: JobFailure[] = [];
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const worker = createWorker({
      queue,
      process: async (job) => {
        throw new SinkError((job as EventJob).event, new Error("database password=hunter2 refused"));
      },
      waitMs: 20,
      retry: { baseMs: 1, maxMs: 1 },
      logger,
      onError: (failure) => {
        failures.push(failure);
        if (failure.deadLettered) finish();
      },
    });
    worker.start();
    await queue.enqueue([event("poison")]);
    await done;
    await worker.stop();

    expect(failures.map((failure) => [failure.receiveCount, failure.deadLettered])).toEqual([[1, false], [2, true]]);
    expect(failures[1]).toMatchObject({ eventId: "poison", vendor: "oura", eventType: "daily_sleep.updated" });
    expect(failures[1]?.error).toBeInstanceOf(SinkError);
    const jobLines = lines.filter((line) => line.kind === "job");
    expect(jobLines).toEqual([
      expect.objectContaining({ level: "warn", outcome: "retry", eventId: "poison", receiveCount: 1, errorName: "SinkError" }),
      expect.objectContaining({ level: "error", outcome: "dead_lettered", eventId: "poison", receiveCount: 2, message: expect.stringContaining("dead letters") }),
    ]);
    // The sink's own error (its cause) and the event's data stay out of the log.
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|SECRET/);
    expect((await queue.listDeadLetters()).map((dead) => (dead.job as EventJob | undefined)?.event.id)).toEqual(["poison"]);
  });

  it("a failing onError hook does not stop the worker", async () => {
    const queue = new MemoryJobQueue({ maxReceives: 1 });
    let processed = 0;
    let finish: () => void = () => {};
    const done = new Promise<void>((resolve) => (finish = resolve));
    const worker = createWorker({
      queue,
      process: async (job) => {
        processed += 1;
        if ((job as EventJob).event.id === "bad") throw new Error("no");
        finish();
        return { status: "delivered", userId: "u" };
      },
      waitMs: 20,
      logger: createLogger({ level: "silent" }),
      onError: () => {
        throw new Error("hook broke");
      },
    });
    worker.start();
    await queue.enqueue([event("bad"), event("good")]);
    await done;
    await worker.stop();
    expect(processed).toBe(2);
  });
});

describe("Lambda SQS handler failure reports", () => {
  const record = (messageId: string, body: string, receiveCount: string): SqsRecord => ({
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: { ApproximateReceiveCount: receiveCount },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:jobs",
    awsRegion: "us-east-1",
  });

  it("logs failures and calls onError, dead-lettered on the queue's last receive; a poison body is named by its message id", async () => {
    const { lines, logger } = capturingLogger();
    const failures: JobFailure[] = [];
    const response = await handleSqsBatch(
      { Records: [record("m1", encodeJobMessage({ event: event("e1"), enqueuedAt: 0 }), "1"), record("m2", encodeJobMessage({ event: event("e2"), enqueuedAt: 0 }), "3"), record("m3", "not a job", "3")] },
      async () => {
        throw new Error("vendor down");
      },
      { logger, onError: (failure) => failures.push(failure), maxReceives: 3 },
    );
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(["m1", "m2", "m3"]);
    // Records run concurrently: compare in event order.
    expect(failures.map((failure) => [failure.eventId, failure.deadLettered]).sort()).toEqual([["e1", false], ["e2", true], ["message:m3", true]]);
    expect(lines.map((line) => [line.eventId, line.level, line.outcome]).sort()).toEqual([["e1", "warn", "retry"], ["e2", "error", "dead_lettered"], ["message:m3", "error", "dead_lettered"]]);
    expect(inspect(lines, { depth: Infinity })).not.toContain("SECRET");
  });
});
