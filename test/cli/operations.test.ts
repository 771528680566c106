import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { makeTempDirectory, type TempDirectory } from "../embedded/temp-directory.js";
import { cli, deadLetterAll, pushEvent, storeConnection } from "./operations-support.js";
import { jobIdentity } from "../../engine/ports/job-queue.js";

// Operations on the embedded backend: the CLI opens the same SQLite file the app uses.
let directory: TempDirectory;
let env: Record<string, string>;
beforeAll(() => {
  directory = makeTempDirectory("synheart-ops-");
  env = { SYNHEART_BACKEND: "embedded" };
});
afterAll(() => directory.remove());

describe("connections (embedded)", () => {
  beforeAll(async () => {
    const backends = createEmbeddedBackends({ directory: directory.path, env: {} });
    for (const user of ["alice", "bob", "carol"]) await storeConnection(backends, "whoop", user, `SECRET-${user}`);
    await storeConnection(backends, "oura", "dave", "SECRET-dave");
    await backends.close();
  });

  it("lists a vendor's connections as JSON lines without tokens, and pages with --limit and --cursor", async () => {
    const all = await cli(env, "connections", "list", "whoop", "--data", directory.path);
    expect(all.code).toBe(0);
    expect(all.lines.map((line) => line.userId).sort()).toEqual(["alice", "bob", "carol"]);
    expect(all.lines[0]).toMatchObject({ vendor: "whoop", status: "active", version: 1, accessTokenExpiresAt: "2030-01-01T00:00:00.000Z" });
    expect(all.out.join("\n")).not.toMatch(/SECRET|ciphertext|sealedTokens|"iv"|"tag"/);
    expect(all.err).toContain("3 connections");

    const first = await cli(env, "connections", "list", "whoop", "--data", directory.path, "--limit", "2");
    expect(first.lines).toHaveLength(2);
    const cursor = /--cursor (\S+)/.exec(first.err)?.[1];
    expect(cursor).toBeDefined();
    const rest = await cli(env, "connections", "list", "whoop", "--data", directory.path, "--limit", "2", "--cursor", cursor!);
    expect([...first.lines, ...rest.lines].map((line) => line.userId).sort()).toEqual(["alice", "bob", "carol"]);
  });

  it("lists every known vendor's connections when no vendor is named", async () => {
    const all = await cli(env, "connections", "list", "--data", directory.path);
    expect(all.lines.map((line) => `${line.vendor}/${line.userId}`).sort()).toEqual(["oura/dave", "whoop/alice", "whoop/bob", "whoop/carol"]);
  });

  it("shows one connection, and exits 1 for none", async () => {
    const shown = await cli(env, "connections", "show", "whoop", "alice", "--data", directory.path);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out.join("\n"))).toMatchObject({ vendor: "whoop", userId: "alice", vendorUserId: "v-alice" });
    expect(shown.out.join("\n")).not.toContain("SECRET");
    const none = await cli(env, "connections", "show", "whoop", "zoe", "--data", directory.path);
    expect(none).toMatchObject({ code: 1 });
    expect(none.err).toContain("no whoop connection for user zoe");
  });

  it("revoke needs the vendor's credentials to call it; --local-only deletes our copy", async () => {
    const refused = await cli(env, "connections", "revoke", "whoop", "bob", "--data", directory.path);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("SYNHEART_WHOOP_CLIENT_ID is not set");
    const deleted = await cli(env, "connections", "revoke", "whoop", "bob", "--local-only", "--data", directory.path);
    expect(deleted.code).toBe(0);
    expect(deleted.lines[0]).toEqual({ vendor: "whoop", userId: "bob", deleted: true, revokedAtVendor: false });
    expect((await cli(env, "connections", "show", "whoop", "bob", "--data", directory.path)).code).toBe(1);
    expect((await cli(env, "connections", "revoke", "whoop", "bob", "--local-only", "--data", directory.path)).code).toBe(1);
  });

  it("does not create a store where there is none", async () => {
    const missing = await cli(env, "connections", "list", "whoop", "--data", `${directory.path}/nothing-here`);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no embedded store at");
  });
});

describe("jobs dlq (embedded)", () => {
  const maxReceives = 5; // createEmbeddedBackends' default, which the CLI uses too
  let dlqDirectory: TempDirectory;
  beforeAll(async () => {
    dlqDirectory = makeTempDirectory("synheart-dlq-");
    const backends = createEmbeddedBackends({ directory: dlqDirectory.path, env: {} });
    await backends.jobQueue.enqueue([pushEvent("event-1"), pushEvent("event-2")]);
    await deadLetterAll(backends, 2, maxReceives);
    await backends.close();
  });
  afterAll(() => dlqDirectory.remove());

  it("lists, redrives by id and purges, on the file the app uses", async () => {
    const data = ["--data", dlqDirectory.path];
    const listed = await cli(env, "jobs", "dlq", "list", ...data);
    expect(listed.code).toBe(0);
    expect(listed.lines.map((line) => line.eventId).sort()).toEqual(["event-1", "event-2"]);
    expect(listed.lines[0]).toMatchObject({ vendor: "oura", type: "daily_sleep.updated", receiveCount: maxReceives });
    expect(listed.out.join("\n")).not.toContain("payload-data");

    const target = listed.lines.find((line) => line.eventId === "event-1")!.id as string;
    const redriven = await cli(env, "jobs", "dlq", "redrive", "--id", target, ...data);
    expect(redriven.lines[0]).toEqual({ redriven: 1 });
    const backends = createEmbeddedBackends({ directory: dlqDirectory.path, env: {} });
    const [again] = await backends.jobQueue.receive({ maxJobs: 1 });
    expect(again && jobIdentity(again.job).id).toBe("event-1");
    expect(again?.receiveCount).toBe(1);
    await backends.jobQueue.ack(again!.receipt);
    await backends.close();

    expect((await cli(env, "jobs", "dlq", "purge", ...data)).code).toBe(1); // neither --id nor --all
    const purged = await cli(env, "jobs", "dlq", "purge", "--all", ...data);
    expect(purged.lines[0]).toEqual({ purged: 1 });
    expect((await cli(env, "jobs", "dlq", "list", ...data)).lines).toEqual([]);
  });
});

it("every operations subcommand has --help listing its flags", async () => {
  for (const path of [["connections", "list"], ["connections", "show"], ["connections", "revoke"], ["jobs", "dlq", "list"], ["jobs", "dlq", "redrive"], ["jobs", "dlq", "purge"]]) {
    const help = await cli({}, ...path, "--help");
    expect(help.code, path.join(" ")).toBe(0);
    const text = help.out.join("\n");
    expect(text).toContain(`usage: synheart-connector ${path.join(" ")}`);
    expect(text).toContain("--backend embedded|aws");
    expect(text).toContain("--data <folder>");
  }
  expect((await cli({}, "jobs", "dlq", "--help")).out.join("\n")).toMatch(/redrive\s+move dead-lettered jobs/);
  expect(inspect(await cli({}, "connections", "nope"))).toContain("unknown subcommand");
});
