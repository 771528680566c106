// `synheart-connector test`: manifest fixtures run through the engine; every shipped vendor has passing fixtures,
// a failing case is reported as file:line with a diff, and files of another kind are dispatched by suffix.
import { readdir } from "node:fs/promises";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";
import { registerFixtureKind, runFixtures } from "../../engine/fixtures/index.js";
import { loadManifestFiles } from "../../engine/manifest/loader.js";

const cli = (...argv: string[]) => runCli(argv);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "synheart-fixtures-"));
});

describe("synheart-connector test", () => {
  it("every shipped manifest has a fixture file, and every case passes", async () => {
    const { readFile } = await import("node:fs/promises");
    const manifests: string[] = [];
    for (const name of (await readdir("vendors")).filter((file) => file.endsWith(".yaml"))) {
      // Webhook fixtures are for vendors that receive webhooks (Dexcom is poll-only).
      if (/^webhooks:/m.test(await readFile(`vendors/${name}`, "utf8"))) manifests.push(name.replace(/\.yaml$/, ""));
    }
    expect(manifests.length).toBeGreaterThanOrEqual(9);
    const fixtures = (await readdir("vendors/fixtures")).filter((name) => /^[a-z0-9-]+\.yaml$/.test(name)).map((name) => name.replace(/\.yaml$/, ""));
    expect(fixtures.sort()).toEqual(expect.arrayContaining(manifests.sort()));
    const result = await cli("test", "--quiet");
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^\d+ passed, 0 failed/m);
  });

  it("reports a failing case as file:line with a diff of the events, and exits 1", async () => {
    const file = join(dir, "strava.yaml");
    await writeFile(
      file,
      [
        "settings: { verifyToken: T, subscriptionId: '120475' }",
        "cases:",
        "  - name: passes",
        "    json: { aspect_type: create, event_time: 1516126040, object_id: 9, object_type: activity, owner_id: 134815, subscription_id: 120475 }",
        "    expect: { status: 200, events: [{ type: activity.created, userId: '134815' }] }",
        "  - name: wrong user expected",
        "    json: { aspect_type: create, event_time: 1516126040, object_id: 9, object_type: activity, owner_id: 134815, subscription_id: 120475 }",
        "    expect: { status: 200, events: [{ type: activity.created, userId: '999' }] }",
        "  - name: wrong status expected",
        "    json: { aspect_type: create, event_time: 1516126040, object_id: 9, object_type: activity, owner_id: 134815, subscription_id: 1 }",
        "    expect: { status: 200 }",
      ].join("\n"),
    );
    const result = await cli("test", file);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`ok    ${file}:3 passes`);
    expect(result.err).toContain(`FAIL  ${file}:6 wrong user expected`);
    expect(result.err).toContain('- userId: "999"');
    expect(result.err).toContain('+ userId: "134815"');
    expect(result.err).toContain(`FAIL  ${file}:9 wrong status expected`);
    expect(result.err).toContain("status: expected 200, got 401 (untrusted_source)");
    expect(result.err).toContain("2 failed");
  });

  it("names unknown case fields with a suggestion, and fails on a file with no cases", async () => {
    const file = join(dir, "oura.yaml");
    await writeFile(file, "cases:\n  - name: typo\n    expcet: { status: 200 }\n");
    const result = await cli("test", file);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/oura\.yaml:3: unknown field "expcet" \(did you mean "expect"\?\)/);
  });

  it("skips other kinds of fixture by suffix, or hands them to the runner registered for the kind", async () => {
    const records = join(dir, "whoop.widgets.yaml");
    await writeFile(records, "widgets: []\n");
    const { vendors } = await loadManifestFiles(["vendors"], { allowRetired: true });
    expect((await runFixtures([records], vendors)).skipped).toEqual([records]);
    const seen: string[] = [];
    registerFixtureKind("widgets", async (file) => {
      seen.push(file);
      return [{ file, line: 1, name: "records", ok: true, differences: [] }];
    });
    const run = await runFixtures([records], vendors);
    expect(seen).toEqual([records]);
    expect(run).toMatchObject({ skipped: [], results: [{ ok: true }] });
  });

  it("lists every flag in --help", async () => {
    const result = await cli("test", "--help");
    for (const flag of ["--vendors", "--quiet"]) expect(result.out).toContain(flag);
  });
});

describe("verify-webhook", () => {
  it("loads the vendor's hooks as serve does: the hook handshake answers, beforeMapping unwraps the envelope", async () => {
    const handshake = await cli("verify-webhook", "acme", "--vendors", "test/fixtures/hooks", "--method", "GET", "--url", "/webhooks/acme?nonce=n1", "--secret", "acme-secret");
    expect(handshake.code).toBe(0);
    expect(JSON.parse(handshake.out).handshake.status).toBe(200);
    const body = join(dir, "acme-body.json");
    const headers = join(dir, "acme-headers.json");
    const raw = JSON.stringify({ envelope: { type: "sleep.updated", user_id: "u1", id: "s1" } });
    await writeFile(body, raw);
    const { createHmac } = await import("node:crypto");
    await writeFile(headers, JSON.stringify({ "x-acme-signature": createHmac("sha256", "acme-secret").update(raw).digest("hex") }));
    const verified = await cli("verify-webhook", "acme", "--vendors", "test/fixtures/hooks", "--headers", headers, "--body", body, "--secret", "acme-secret");
    expect(verified.err).toBe("");
    expect(verified.code).toBe(0);
    const forged = await cli("verify-webhook", "acme", "--vendors", "test/fixtures/hooks", "--headers", headers, "--body", body, "--secret", "other");
    expect(forged.code).toBe(2);
  });

  it("lists every flag in --help", async () => {
    const result = await cli("verify-webhook", "--help");
    for (const flag of ["--vendors", "--setting", "--method", "--url", "--source-ip", "--client-id", "--now"]) expect(result.out).toContain(flag);
  });
});

describe("records fixtures through synheart-connector test", () => {
  it("a records case whose expected values differ fails with file:line and the JSON pointer, and exits 1", async () => {
    const { readFile } = await import("node:fs/promises");
    const { resolve } = await import("node:path");
    const original = await readFile("vendors/fixtures/oura.records.yaml", "utf8");
    const wrong = original.replace(/^manifest:.*$/m, "").replace(/(timeInBed:\s*\{?\s*value:\s*)(\d+)/, (_m, head: string, value: string) => `${head}${Number(value) + 1}`);
    expect(wrong).not.toBe(original);
    const file = join(dir, "oura.records.yaml");
    await writeFile(file, `${wrong}\nmanifest: ${resolve("vendors/oura.yaml")}\n`);
    const result = await cli("test", file);
    expect(result.code).toBe(1);
    const report = `${result.out}\n${result.err}`;
    expect(report).toMatch(/FAIL\s+\S*oura\.records\.yaml:\d+ long sleep/);
    expect(report).toMatch(/timeInBed\/value: expected \d+, got \d+/);
  });
});
