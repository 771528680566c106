import { readFileSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commonOptions, type CliCommand } from "../../engine/cli/command.js";
import { serveCommand } from "../../engine/cli/commands/serve.js";
import type { CliIo } from "../../engine/cli/io.js";
import { commands, main } from "../../engine/cli/main.js";
import { readdirSync } from "node:fs";
import { builtinVendorsDirectory } from "../../engine/manifest/builtin-vendors.js";

/** The shipped vendors that load: every manifest but the retired Fitbit. */
const ACTIVE = readdirSync(builtinVendorsDirectory()).filter((name) => name.endsWith(".yaml")).map((name) => name.slice(0, -5)).filter((id) => id !== "fitbit").sort();

async function cli(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: options.env ?? {}, cwd: options.cwd ?? process.cwd() };
  const code = await main(argv, io);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** Every runnable command of the table, with its path: `validate`, `connections list`, `jobs dlq purge`, ... */
function runnable(table: Record<string, CliCommand>, prefix: string[] = []): [string[], CliCommand][] {
  return Object.entries(table).flatMap(([name, command]) => [
    ...(command.run ? [[[...prefix, name], command] as [string[], CliCommand]] : []),
    ...(command.subcommands ? runnable(command.subcommands, [...prefix, name]) : []),
  ]);
}

describe("--help", () => {
  it("every command answers --help (exit 0, stdout) listing every one of its flags", async () => {
    const all = runnable(commands);
    expect(all.length).toBeGreaterThanOrEqual(13);
    for (const [path, command] of all) {
      for (const flag of ["--help", "-h"]) {
        const help = await cli([...path, flag]);
        expect(help.code, `${path.join(" ")} ${flag}`).toBe(0);
        expect(help.out).toContain(`usage: synheart-connector ${path.join(" ")}`);
        for (const name of Object.keys({ ...command.options, ...commonOptions })) expect(help.out, `${path.join(" ")}: --${name}`).toContain(`--${name}`);
      }
    }
  });

  it("names the flags users look for", async () => {
    expect((await cli(["validate", "--help"])).out).toMatch(/--vendors <folder or file>[\s\S]*--strict/);
    const serve = (await cli(["serve", "--help"])).out;
    for (const flag of ["--vendors", "--port", "--log-level", "--sandbox", "--allow-retired"]) expect(serve).toContain(flag);
    const verify = (await cli(["verify-webhook", "--help"])).out;
    for (const flag of ["--setting <name=value>", "--method <method>", "--source-ip", "--vendors"]) expect(verify).toContain(flag);
    expect((await cli(["sign-webhook", "--help"])).out).toContain("--setting <name=value>");
    expect((await cli(["init-aws", "--help"])).out).toMatch(/--table <name>[\s\S]*--kms-alias <alias>/);
  });

  it("lists the commands for --help, help and nothing (nothing: stderr, exit 1)", async () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) {
      const listed = await cli(argv);
      expect(listed.code).toBe(0);
      for (const name of Object.keys(commands)) expect(listed.out).toContain(`  ${name}`);
    }
    const bare = await cli([]);
    expect(bare).toMatchObject({ code: 1, out: "" });
    expect(bare.err).toContain("usage: synheart-connector <command>");
    expect((await cli(["help", "validate"])).out).toContain("usage: synheart-connector validate");
  });

  it("--version prints the package's version", async () => {
    const { version, name } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string; name: string };
    for (const flag of ["--version", "-v"]) expect(await cli([flag])).toMatchObject({ code: 0, out: `${name} ${version}` });
  });
});

describe("validate and loading agree", () => {
  it("validates the built-in vendors from any directory: the retired one is reported as skipped, exit 0", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "synheart-cwd-"));
    const result = await cli(["validate"], { cwd: elsewhere });
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${ACTIVE.length} manifests valid: ${ACTIVE.join(", ")}; 1 skipped (retired): fitbit`);
    expect(result.out).toMatch(/fitbit\.yaml:\d+:\d+: warning: .*retired.*skipped/);
  });

  it("--strict fails on the lifecycle warning, for CI", async () => {
    const result = await cli(["validate", "--strict"]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/fitbit\.yaml:\d+:\d+: error \(--strict\): .*retired/);
    expect(result.err).toContain("1 error");
    expect((await cli(["validate", "--strict", join(builtinVendorsDirectory(), "whoop.yaml")])).code).toBe(0);
  });

  it("--allow-retired validates and counts the retired vendor as loadable", async () => {
    const result = await cli(["validate", "--allow-retired"]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${ACTIVE.length + 1} manifests valid`);
  });

  it("--vendors adds the app's folder and says which built-in it replaces", async () => {
    const folder = await mkdtemp(join(tmpdir(), "synheart-app-"));
    const whoop = readFileSync(join(builtinVendorsDirectory(), "whoop.yaml"), "utf8");
    await writeFile(join(folder, "whoop.yaml"), whoop);
    await writeFile(join(folder, "acme.yaml"), whoop.replace(/^id: whoop$/m, "id: acme"));
    const result = await cli(["validate", "--vendors", folder]);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`${join(folder, "whoop.yaml")}: replaces the built-in whoop`);
    expect(result.out).toMatch(new RegExp(`${ACTIVE.length + 1} manifests valid: .*acme`));
  });
});

describe("friendly failures", () => {
  it("a missing file is one line naming it, no stack trace", async () => {
    const result = await cli(["verify-webhook", "whoop", "--headers", "/nonexistent/h.json", "--body", "/nonexistent/b"]);
    expect(result.code).toBe(1);
    expect(result.err).toBe("error: no such file or folder: /nonexistent/h.json");
    const manifest = await cli(["validate", "/nonexistent/acme.yaml"]);
    expect(manifest.err).toBe("error: manifest_invalid: /nonexistent/acme.yaml: no such file or folder");
  });

  it("a busy port names the port and what to do", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const data = await mkdtemp(join(tmpdir(), "synheart-busy-"));
    try {
      const result = await cli(["serve", "--port", String(port), "--data", data, "--env-file", join(data, ".env")]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`error: port ${port} on 127.0.0.1 is already in use`);
      expect(result.err).toContain("--port");
      expect(result.err).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it("unknown flags and bad values are usage errors pointing at --help", async () => {
    const unknown = await cli(["validate", "--frobnicate"]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/Unknown option '--frobnicate'[\s\S]*synheart-connector validate --help/);
    const level = await cli(["validate", "--log-level", "loud"]);
    expect(level.code).toBe(1);
    expect(level.err).toContain("--log-level must be one of debug, info, warn, error, silent");
  });

  it("init-aws refuses names AWS would refuse, all at once, before any AWS call", async () => {
    const result = await cli(["init-aws", "--table", "bad name!", "--queue", "jobs.queue", "--kms-alias", "alias/aws/mine"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("configuration_invalid");
    expect(result.err).toContain('table name "bad name!" may only hold letters, digits, "_", "-" and "."');
    expect(result.err).toContain('queue name "jobs.queue" may only hold');
    expect(result.err).toContain("reserved prefix alias/aws/");
    expect((await cli(["init-aws", "--table", "ab"])).err).toContain("3 to 255 characters");
  });
});

it("serve writes human text to stderr and only JSON lines, with levels, to stdout", async () => {
  const data = await mkdtemp(join(tmpdir(), "synheart-serve-"));
  const out: string[] = [];
  const err: string[] = [];
  let announce: (origin: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (announce = resolve));
  const io: CliIo = {
    out: (line) => out.push(line),
    err: (line) => {
      err.push(line);
      const origin = /listening on (http:\/\/\S+)/.exec(line)?.[1];
      if (origin) announce(origin);
    },
    env: { SYNHEART_WHOOP_CLIENT_ID: "w", SYNHEART_WHOOP_CLIENT_SECRET: "s" },
    cwd: data,
  };
  const stop = new AbortController();
  const running = serveCommand(io, ["--port", "0", "--data", data], stop.signal);
  const origin = await listening;
  expect((await fetch(`${origin}/healthz`)).status).toBe(200);
  expect((await fetch(`${origin}/webhooks/whoop`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status).toBe(401);
  stop.abort();
  expect(await running).toBe(0);

  expect(out.length).toBeGreaterThanOrEqual(2);
  for (const line of out) expect(JSON.parse(line)).toMatchObject({ level: expect.stringMatching(/^(info|warn|error)$/) });
  expect(out.map((line) => JSON.parse(line).route)).toEqual(expect.arrayContaining(["/healthz", "/webhooks/:vendor"]));
  expect(err.join("\n")).toContain("Configured vendors:");

  // At warn, the request lines (info) are left out.
  const quiet: string[] = [];
  let announceQuiet: (origin: string) => void = () => {};
  const quietListening = new Promise<string>((resolve) => (announceQuiet = resolve));
  const stopQuiet = new AbortController();
  const quietRun = serveCommand(
    { ...io, out: (line) => quiet.push(line), err: (line) => { const origin = /listening on (http:\/\/\S+)/.exec(line)?.[1]; if (origin) announceQuiet(origin); }, env: { ...io.env, SYNHEART_LOG_LEVEL: "warn" } },
    ["--port", "0", "--data", data],
    stopQuiet.signal,
  );
  await fetch(`${await quietListening}/healthz`);
  stopQuiet.abort();
  await quietRun;
  expect(quiet).toEqual([]);
});

it("the compiled bin finds the built-in vendors and its version from any working directory", async () => {
  const { execFile } = await import("node:child_process");
  const { promisify } = await import("node:util");
  const run = promisify(execFile);
  const bin = join(process.cwd(), "bin", "synheart-connector.js");
  const elsewhere = await mkdtemp(join(tmpdir(), "synheart-bin-cwd-"));
  const validated = await run(process.execPath, [bin, "validate"], { cwd: elsewhere });
  expect(validated.stdout).toContain(`${ACTIVE.length} manifests valid`);
  expect(validated.stdout).toContain("1 skipped (retired): fitbit");
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
  expect((await run(process.execPath, [bin, "--version"], { cwd: elsewhere })).stdout.trim()).toMatch(new RegExp(`${version.replace(/\./g, "\\.")}$`));
  await expect(run(process.execPath, [bin, "validate", "--strict"], { cwd: elsewhere })).rejects.toMatchObject({ code: 1 });
});
