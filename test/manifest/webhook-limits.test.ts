// Schema features that bound the work on unauthenticated or unsigned input: a handshake body matched by declared
// fields on a capped body, and webhooks.maxEventsPerDelivery. Fixture: test/fixtures/vendors/unsigned-capped.yaml.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadManifestFiles, loadManifestText } from "../../engine/manifest/loader.js";
import { formatProblem } from "../../engine/manifest/problems.js";

const fixture = "test/fixtures/vendors/unsigned-capped.yaml";
const text = readFileSync(fixture, "utf8");

function loadEdited(find: string, replace: string) {
  expect(text).toContain(find);
  return loadManifestText(text.replace(find, replace), "unsigned-capped.yaml");
}

describe("webhook limits in the manifest schema", () => {
  it("the fixture loads with its cap, its handshake body and its unsigned scheme", async () => {
    const result = await loadManifestFiles([fixture]);
    expect(result.problems.map(formatProblem)).toEqual([]);
    const { webhooks } = result.vendors[0]!.manifest;
    expect(webhooks.maxEventsPerDelivery).toBe(3);
    expect(webhooks.handshakes?.[0]?.when?.body).toEqual({ equals: { kind: "endpoint-check", version: 2 }, optionalFields: ["nonce"], maxBytes: 256 });
  });

  it("a handshake body given as a JSONata expression (the old form) is refused: nothing is evaluated before authentication", () => {
    const result = loadEdited("body: { equals: { kind: endpoint-check, version: 2 }, optionalFields: [nonce], maxBytes: 256 }", `body: 'kind = "endpoint-check"'`);
    expect(result.vendors).toEqual([]);
    expect(result.problems.find((p) => p.path === "/webhooks/handshakes/0/when/body")?.message).toBe("must be object");
  });

  it.each([
    ["an empty equals", "equals: { kind: endpoint-check, version: 2 }", "equals: {}"],
    ["an object as a value to equal", "version: 2 }", "version: { any: 2 } }"],
    ["maxBytes over 64 KiB", "maxBytes: 256", "maxBytes: 65537"],
    ["maxEventsPerDelivery of 0", "maxEventsPerDelivery: 3", "maxEventsPerDelivery: 0"],
    ["maxEventsPerDelivery over 100,000", "maxEventsPerDelivery: 3", "maxEventsPerDelivery: 100001"],
    ["a fractional maxEventsPerDelivery", "maxEventsPerDelivery: 3", "maxEventsPerDelivery: 2.5"],
  ])("refuses %s", (_name, find, replace) => {
    const result = loadEdited(find, replace);
    expect(result.vendors).toEqual([]);
    expect(result.problems.filter((p) => p.severity === "error").length).toBeGreaterThan(0);
  });

  it("every shipped manifest bounds its deliveries (the default of 1000 events, or its own)", async () => {
    const { vendors } = await loadManifestFiles(["vendors"], { allowRetired: true });
    for (const vendor of vendors) {
      const cap = vendor.manifest.webhooks.maxEventsPerDelivery ?? 1000;
      expect({ vendor: vendor.id, bounded: cap >= 1 && cap <= 2000 }).toEqual({ vendor: vendor.id, bounded: true });
    }
    const garmin = vendors.find((v) => v.id === "garmin")!.manifest.webhooks;
    expect({ maxBodyBytes: garmin.maxBodyBytes, maxEventsPerDelivery: garmin.maxEventsPerDelivery }).toEqual({ maxBodyBytes: 2_097_152, maxEventsPerDelivery: 2000 });
  });
});
