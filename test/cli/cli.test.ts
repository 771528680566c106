import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./run-cli.js";

const run = promisify(execFile);

const cli = (...argv: string[]) => runCli(argv);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "synheart-cli-"));
});

describe("validate", () => {
  it("passes the shipped manifests and warns about retired ones", async () => {
    const result = await cli("validate", "vendors/whoop.yaml");
    expect(result).toMatchObject({ code: 0, err: "" });
    expect(result.out).toContain("1 manifest valid: whoop");
  });

  it("prints every error as file:line:col and exits 1", async () => {
    const text = (await readFile("vendors/whoop.yaml", "utf8")).replace("  pkce: false", "  pkec: false").replace("    header: X-WHOOP-Signature\n", "");
    const file = join(dir, "whoop.yaml");
    await writeFile(file, text);
    const result = await cli("validate", file);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`${file}:\\d+:3: unknown field "pkec"`));
    expect(result.err).toMatch(new RegExp(`${file}:\\d+:5: missing required field "header" \\(at /webhooks/signature\\)`));
    expect(result.err).toContain("3 errors");
  });

  it("runs as the installed bin with the same exit codes", async () => {
    const ok = await run(process.execPath, ["bin/synheart-connector.js", "validate", "vendors/whoop.yaml"]);
    expect(ok.stdout).toContain("manifest valid");
    await expect(run(process.execPath, ["bin/synheart-connector.js", "validate", join(dir, "missing.yaml")])).rejects.toMatchObject({ code: 1 });
  });
});

describe("sign-webhook and verify-webhook", () => {
  const body = JSON.stringify({ user_id: 10129, id: "ecfc6a15-4661-442f-a9a4-f160dd7afae8", type: "sleep.updated", trace_id: "t" });

  it("signs as WHOOP documents, and verify-webhook prints the normalized event", async () => {
    const bodyFile = join(dir, "body.json");
    await writeFile(bodyFile, body);
    const signed = await cli("sign-webhook", "whoop", "--body", bodyFile, "--secret", "client-secret", "--timestamp", "1748241241000");
    expect(signed.code).toBe(0);
    const headers = JSON.parse(signed.out) as Record<string, string>;
    const expected = createHmac("sha256", "client-secret").update("1748241241000" + body).digest("base64");
    expect(headers).toEqual({ "X-WHOOP-Signature-Timestamp": "1748241241000", "X-WHOOP-Signature": expected });

    const headersFile = join(dir, "headers.json");
    await writeFile(headersFile, signed.out);
    const verified = await cli("verify-webhook", "whoop", "--headers", headersFile, "--body", bodyFile, "--secret", "client-secret", "--now", "1748241250");
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.out).events[0]).toMatchObject({
      vendor: "whoop",
      type: "sleep.updated",
      userId: "10129",
      resourceId: "ecfc6a15-4661-442f-a9a4-f160dd7afae8",
      fetch: { url: "https://api.prod.whoop.com/developer/v2/activity/sleep/ecfc6a15-4661-442f-a9a4-f160dd7afae8" },
    });

    const stale = await cli("verify-webhook", "whoop", "--headers", headersFile, "--body", bodyFile, "--secret", "client-secret", "--now", "1748250000");
    expect(stale).toMatchObject({ code: 2, out: "" });
    expect(stale.err).toMatch(/^stale_timestamp: /);

    const wrong = await cli("verify-webhook", "whoop", "--headers", headersFile, "--body", bodyFile, "--secret", "other", "--now", "1748241250");
    expect(wrong.code).toBe(2);
    expect(wrong.err).toBe("invalid_signature: X-WHOOP-Signature does not match the body");
    expect(wrong.err).not.toContain("other");
  });

  it("usage mistakes exit 1 with the command's usage", async () => {
    expect((await cli("sign-webhook", "whoop")).err).toContain("--body <file> is required");
    expect((await cli("sign-webhook", "nobody", "--body", "x")).err).toContain('no vendor "nobody"');
    expect((await cli("frobnicate")).code).toBe(1);
  });
});

it("vendors lists vendors with their event types", async () => {
  const result = await cli("vendors", "vendors/whoop.yaml");
  expect(result.out).toContain("whoop  WHOOP");
  expect(result.out).toContain("  sleep.updated (fetch)");
  expect(result.out).toContain("  sleep.deleted (push)");
});
