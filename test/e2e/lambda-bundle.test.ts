import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
    expect(lines.join("\n")).toContain("7 manifest(s): fitbit, garmin, oura, polar, suunto, whoop, withings");
    const text = readFileSync(bundle, "utf8");
    expect(text).toContain('"X-WHOOP-Signature"');
    expect(text).not.toMatch(/Ajv2020|ajv-formats|YAMLParseError/);
  });

  it("refuses invalid manifests and builds nothing; a retired vendor is left out with a warning", async () => {
    const errors: string[] = [];
    const io = { out: () => {}, err: (line: string) => errors.push(line), env: {}, cwd: process.cwd() };
    const broken = join(out.path, "broken-vendors");
    mkdirSync(broken, { recursive: true });
    writeFileSync(join(broken, "acme.yaml"), readFileSync("vendors/whoop.yaml", "utf8").replace(/^id: whoop$/m, "id: acme").replace("  pkce: false", "  pkec: false"));
    expect(await buildCommand(io, ["--vendors", "test/fixtures/vendors", "--vendors", broken, "--out", join(out.path, "refused")])).toBe(1);
    expect(errors.join("\n")).toMatch(/acme\.yaml:\d+:\d+: unknown field "pkec"/);
    expect(errors.join("\n")).toMatch(/fitbit\.yaml:\d+:\d+: warning: .*retired.*skipped/);
    expect(existsSync(join(out.path, "refused", "index.mjs"))).toBe(false);
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
