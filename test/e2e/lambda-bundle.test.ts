import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCommand } from "../../engine/cli/commands/build.js";
import { temporaryDirectory } from "./support.js";

const run = promisify(execFile);

/** Imports the bundle in a fresh node process and sends it one API Gateway event. */
const INVOKE = `
const { handler } = await import(process.argv[1]);
const event = JSON.parse(process.argv[2]);
const result = await handler(event);
process.stdout.write("RESULT " + JSON.stringify(result) + "\\n");
`;

describe("synheart-connector build", () => {
  const out = temporaryDirectory();
  const lines: string[] = [];
  let bundle: string;

  beforeAll(async () => {
    const io = { out: (line: string) => lines.push(line), err: (line: string) => lines.push(line), env: {}, cwd: process.cwd() };
    expect(await buildCommand(io, ["--out", out.path, "--allow-retired"])).toBe(0);
    bundle = join(out.path, "index.mjs");
  }, 60_000);

  afterAll(() => out.remove());

  it("embeds the validated manifests and leaves the YAML parser and the schema compiler out", () => {
    expect(lines.join("\n")).toContain("8 manifest(s): dexcom, fitbit, garmin, oura, polar, suunto, whoop, withings");
    const text = readFileSync(bundle, "utf8");
    expect(text).toContain('"X-WHOOP-Signature"');
    expect(text).not.toMatch(/Ajv2020|ajv-formats|YAMLParseError/);
  });

  it("refuses invalid manifests and builds nothing", async () => {
    const errors: string[] = [];
    const io = { out: () => {}, err: (line: string) => errors.push(line), env: {}, cwd: process.cwd() };
    expect(await buildCommand(io, ["--vendors", "test/fixtures/vendors", "--vendors", "vendors", "--out", join(out.path, "refused")])).toBe(1);
    expect(errors.join("\n")).toMatch(/fitbit\.yaml:\d+:\d+: .*retired/);
  });

  it("handles an API Gateway v2 event in a fresh process without AWS or YAML at start", async () => {
    const sample = JSON.parse(readFileSync(new URL("../fixtures/apigw/http-api-v2.json", import.meta.url), "utf8")) as Record<string, unknown>;
    const event = { ...sample, rawPath: "/healthz", rawQueryString: "", body: undefined, requestContext: { ...(sample.requestContext as object), http: { method: "GET", path: "/healthz", sourceIp: "192.0.2.1" } } };
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", INVOKE, bundle, JSON.stringify(event)], {
      env: { PATH: process.env.PATH, SYNHEART_BACKEND: "memory", SYNHEART_GARMIN_CLIENT_ID: "g", SYNHEART_GARMIN_CLIENT_SECRET: "s" },
    });
    const result = JSON.parse(stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7)) as { statusCode: number; body: string };
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: "ok", vendors: ["garmin"] });
  });
});
