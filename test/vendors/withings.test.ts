import { beforeAll, describe, expect, it } from "vitest";
import type { VendorDefinition } from "../../engine/manifest/vendor-definition.js";
import { Harness, expectError, expectEvents, loadVendor, payload, summary } from "./support.js";

// Withings signs nothing: notifications are trusted by source address (the ranges Withings publishes in DNS TXT).
const RANGES = ["89.30.121.0/24", "2a00:1450:4000::/37"]; // test ranges standing in for the published ones
const credentials = { clientId: "withings-client", clientSecret: "withings-client-secret", settings: { notifyIpRanges: RANGES } };
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const form = { "content-type": "application/x-www-form-urlencoded" };
const FROM_WITHINGS = "89.30.121.17";

let definition: VendorDefinition;
beforeAll(async () => {
  definition = await loadVendor("vendors/withings.yaml");
});
const harness = () => new Harness(definition, credentials, NOW);
const sample = () => payload("withings", "notification.txt");

describe("Withings notifications", () => {
  it("maps the documented form-encoded example (appli 1) to a fetch of the measures in its range", async () => {
    const events = expectEvents(await harness().verify({ headers: form, rawBody: sample(), sourceIp: FROM_WITHINGS }));
    expect(events.map(summary)).toEqual([
      {
        type: "weight.updated",
        userId: "12345",
        resourceId: undefined,
        occurredAt: "2018-07-04T10:05:53.000Z",
        delivery: "fetch",
        fetchMethod: "GET",
        fetchUrl: "https://wbsapi.withings.net/measure?action=getmeas&startdate=1530576000&enddate=1530698753",
      },
    ]);
    expect(events[0]!.data).toEqual({ userid: "12345", appli: "1", startdate: "1530576000", enddate: "1530698753" });
  });

  it("maps appli 2 (temperature) the same way and ignores an appli it does not know", async () => {
    const h = harness();
    const [event] = expectEvents(await h.verify({ headers: form, rawBody: "userid=7&appli=2&startdate=10&enddate=20", sourceIp: FROM_WITHINGS }));
    expect(summary(event!)).toMatchObject({ type: "temperature.updated", userId: "7", fetchUrl: "https://wbsapi.withings.net/measure?action=getmeas&startdate=10&enddate=20" });
    expect(await h.verify({ headers: form, rawBody: "userid=7&appli=999", sourceIp: FROM_WITHINGS })).toMatchObject({ ok: true, events: [], ignoredItems: 1 });
  });

  it("accepts an IPv6 address in the list and an IPv4 peer seen as IPv4-mapped IPv6", async () => {
    expectEvents(await harness().verify({ headers: form, rawBody: sample(), sourceIp: "2a00:1450:4001::5" }));
    expectEvents(await harness().verify({ headers: form, rawBody: sample(), sourceIp: `::ffff:${FROM_WITHINGS}` }));
  });

  it("rejects an address outside the list (untrusted_source)", async () => {
    expectError(await harness().verify({ headers: form, rawBody: sample(), sourceIp: "89.30.122.17" }), "untrusted_source");
    expectError(await harness().verify({ headers: form, rawBody: sample(), sourceIp: "2a01::1" }), "untrusted_source");
  });

  it("rejects a request whose source address is unknown or not an address (untrusted_source)", async () => {
    expectError(await harness().verify({ headers: form, rawBody: sample() }), "untrusted_source");
    expectError(await harness().verify({ headers: form, rawBody: sample(), sourceIp: "" }), "untrusted_source");
    expectError(await harness().verify({ headers: form, rawBody: sample(), sourceIp: "withings.net" }), "untrusted_source");
  });

  it("does not trust a forwarded-for header: only the address the caller gives", async () => {
    const headers = { ...form, "x-forwarded-for": FROM_WITHINGS };
    expectError(await harness().verify({ headers, rawBody: sample(), sourceIp: "203.0.113.9" }), "untrusted_source");
  });

  it("collapses a copy within a minute (replayed) but takes the same body later as a real update", async () => {
    const h = harness();
    expectEvents(await h.verify({ headers: form, rawBody: sample(), sourceIp: FROM_WITHINGS }));
    h.nowMs += 30_000;
    expectError(await h.verify({ headers: form, rawBody: sample(), sourceIp: FROM_WITHINGS }), "replayed");
    h.nowMs += 31_000;
    expectEvents(await h.verify({ headers: form, rawBody: sample(), sourceIp: FROM_WITHINGS }));
  });

  it("rejects an empty body and a body that is not UTF-8 (malformed_body)", async () => {
    expectError(await harness().verify({ headers: form, rawBody: "", sourceIp: FROM_WITHINGS }), "malformed_body");
    expectError(await harness().verify({ headers: form, rawBody: Buffer.from([0x75, 0x3d, 0xff, 0xfe]), sourceIp: FROM_WITHINGS }), "malformed_body");
  });

  it("a notification without userid cannot be mapped (mapping_failed)", async () => {
    expectError(await harness().verify({ headers: form, rawBody: "appli=1&startdate=1&enddate=2", sourceIp: FROM_WITHINGS }), "mapping_failed");
  });
});
