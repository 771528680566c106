import { describe, expect, it } from "vitest";
import { ConnectorError, isConnectorError } from "../../engine/errors.js";
import { decodeJobMessage, encodeJobMessage, retryDelayMs } from "../../engine/queue/index.js";
import { fetchEvent, pushEvent } from "./support/events.js";

describe("job message codec", () => {
  it("reads the body SqsJobQueue sends (JSON of { event, enqueuedAt }) and round-trips", () => {
    const job = { event: fetchEvent("v-1", "https://api.example.com/v1/sleep/1"), enqueuedAt: 1_700_000_000_000 };
    expect(decodeJobMessage(JSON.stringify({ event: job.event, enqueuedAt: job.enqueuedAt }))).toEqual(job);
    expect(decodeJobMessage(encodeJobMessage(job))).toEqual(job);
  });

  it.each([
    ["not JSON", "Test message."],
    ["no event", JSON.stringify({ enqueuedAt: 1 })],
    ["no enqueuedAt", JSON.stringify({ event: pushEvent("v-1") })],
    ["bad delivery", JSON.stringify({ event: { ...pushEvent("v-1"), delivery: "carrier-pigeon" }, enqueuedAt: 1 })],
    ["fetch without url", JSON.stringify({ event: { ...pushEvent("v-1"), delivery: "fetch" }, enqueuedAt: 1 })],
    ["array", "[]"],
    ["unknown authenticity", JSON.stringify({ event: { ...pushEvent("v-1"), authenticity: "trusted" }, enqueuedAt: 1 })],
  ])("refuses a body that is not a job (%s) with malformed_body", (_name, body) => {
    let caught: unknown;
    try {
      decodeJobMessage(body);
    } catch (error) {
      caught = error;
    }
    expect(isConnectorError(caught, "malformed_body")).toBe(true);
  });
});

describe("retry delay", () => {
  it("doubles with the receive count, with jitter, up to the cap", () => {
    for (let receiveCount = 1; receiveCount <= 12; receiveCount++) {
      const step = Math.min(60_000, 1_000 * 2 ** (receiveCount - 1));
      const delay = retryDelayMs(receiveCount, new Error("x"), { baseMs: 1_000, maxMs: 60_000 });
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThanOrEqual(step);
    }
  });

  it("waits at least as long as a rate limit asked", () => {
    const error = new ConnectorError("rate_limit_timeout", "limited", { details: { retryInMs: 45_000 } });
    expect(retryDelayMs(1, error, { baseMs: 1_000 })).toBe(45_000);
  });

  it("a job enqueued before events carried authenticity is read as unverified, never as verified", () => {
    const { authenticity: _dropped, ...legacy } = pushEvent("v-1");
    expect(decodeJobMessage(JSON.stringify({ event: legacy, enqueuedAt: 1 })).event.authenticity).toBe("unverified");
    const unverified = { ...pushEvent("v-1"), authenticity: "unverified" as const };
    expect(decodeJobMessage(encodeJobMessage({ event: unverified, enqueuedAt: 1 })).event).toEqual(unverified);
  });
});
