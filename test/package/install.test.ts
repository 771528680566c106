// "Done when" of issue 11: the packed package, installed into a fresh strict TypeScript project in a temporary
// folder, works as an adopter uses it. `npm pack` makes the tarball exactly as it would be published; it is unpacked
// into the project's node_modules and its dependencies are linked from this checkout's node_modules (the same
// versions npm would install, without the network and without rebuilding better-sqlite3). Dev-only packages of this
// repository (@types/better-sqlite3 above all) are NOT linked, so a type that leaks from them fails here.
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeJobMessage } from "../../engine/queue/job-message.js";
import { signedWhoop, WHOOP_CREDENTIALS, whoopSample } from "../handlers/support.js";

const run = promisify(execFile);
const root = process.cwd();
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
/** What an adopter's project installs besides the package: a compiler, Node's types and the frameworks it embeds into. */
const CONSUMER_PACKAGES = ["typescript", "@types/node", "hono", "@hono/node-server", "express", "fastify"];

const work = mkdtempSync(join(tmpdir(), "synheart-install-"));
const app = join(work, "app");
const packageDir = join(app, "node_modules", "@synheart", "cloud-connector");
const cli = join(packageDir, "bin", "synheart-connector.js");
const childEnv = {
  PATH: process.env.PATH,
  SYNHEART_WHOOP_CLIENT_ID: WHOOP_CREDENTIALS.clientId,
  SYNHEART_WHOOP_CLIENT_SECRET: WHOOP_CREDENTIALS.clientSecret,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

async function node(args: string[], env: Record<string, string | undefined> = childEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd: app, env, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === "number" ? failed.code : 1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

function link(name: string): void {
  const target = join(app, "node_modules", name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(root, "node_modules", name), target, "dir");
}

/** Writes imports.ts (every runtime export by name, the main types, the schema) and a strict tsconfig; runs tsc. */
async function typecheckEveryExport(): Promise<{ code: number; stdout: string; stderr: string }> {
  const entries = ["@synheart/cloud-connector", "@synheart/cloud-connector/embedded", "@synheart/cloud-connector/aws", "@synheart/cloud-connector/handlers"];
  const lines: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const names = Object.keys((await import(join(packageDir, (JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { exports: Record<string, { import: string }> }).exports[entry.replace("@synheart/cloud-connector", ".")]!.import))) as object).sort();
    expect(names.length).toBeGreaterThan(3);
    lines.push(`import { ${names.join(", ")} } from "${entry}";`, `export const values${index} = [${names.join(", ")}];`);
  }
  lines.push(`import type { ConnectorEngine, EventSink, TokenStore, JobQueue, Backends } from "@synheart/cloud-connector";`);
  lines.push(`import type { SqsEvent, SqsBatchResponse, FetchHandler, ApiGatewayV2Event, SqsHandler } from "@synheart/cloud-connector/handlers";`);
  lines.push(`import type { SqliteDatabase } from "@synheart/cloud-connector/embedded";`);
  lines.push(`import type { AwsBackendsConfig } from "@synheart/cloud-connector/aws";`);
  lines.push(`import schema from "@synheart/cloud-connector/schema/vendor-manifest.schema.json" with { type: "json" };`);
  lines.push(`export type Used = [ConnectorEngine, EventSink, TokenStore, JobQueue, Backends, SqsEvent, SqsBatchResponse, FetchHandler, ApiGatewayV2Event, SqsHandler, SqliteDatabase, AwsBackendsConfig];`);
  lines.push(`export const schemaId: unknown = schema.$id;`);
  writeFileSync(join(app, "imports.ts"), lines.join("\n") + "\n");
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        lib: ["ES2023"],
        types: ["node"],
        strict: true,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
        resolveJsonModule: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: ["imports.ts"],
    }),
  );
  return node([join(app, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"]);
}

/** Started once the project exists: tsc over the AWS SDK's declarations is the slowest step, so it runs beside the others. */
let typecheck: Promise<{ code: number; stdout: string; stderr: string }> | undefined;

beforeAll(async () => {
  if (!existsSync(join(root, "dist", "engine", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  // --ignore-scripts: `prepare` would rebuild dist/, which npm test has just done.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const tarball = join(work, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  mkdirSync(packageDir, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1"]);
  for (const name of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.optionalDependencies ?? {}), ...CONSUMER_PACKAGES]) link(name);

  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "adopter", private: true, type: "module", dependencies: { "@synheart/cloud-connector": manifest.version } }));
  writeFileSync(join(app, "whoop-webhook.json"), whoopSample());
  copyFileSync(join(root, "test", "package", "consumer-drive.mjs"), join(app, "drive.mjs"));
  typecheck = typecheckEveryExport().catch((error: unknown) => ({ code: 1, stdout: String(error), stderr: "" }));
  writeFileSync(join(app, "sink.mjs"), 'import { appendFileSync } from "node:fs";\nexport default async function sink(delivery) {\n  appendFileSync("delivered.jsonl", JSON.stringify(delivery.event) + "\\n");\n}\n');
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the packed package", () => {
  it("ships what the README links to, its license, and source maps that carry their sources", () => {
    const files = readdirSync(packageDir);
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "docs", "dist", "vendors", "schema", "bin", "package.json"]));
    expect(readFileSync(join(packageDir, "LICENSE"), "utf8")).toContain("Apache License");
    const readme = readFileSync(join(packageDir, "README.md"), "utf8");
    for (const [, target] of readme.matchAll(/`(docs\/[\w./-]+\.(?:md|yaml))`/g)) expect(existsSync(join(packageDir, target!)), target).toBe(true);
    const shipped = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as { repository?: unknown; license?: string };
    expect(shipped.license).toBe("Apache-2.0");
    expect(shipped.repository).toBeDefined();
    const map = JSON.parse(readFileSync(join(packageDir, "dist", "engine", "index.js.map"), "utf8")) as { sources: string[]; sourcesContent?: string[] };
    expect(map.sourcesContent?.length).toBe(map.sources.length);
    expect(map.sourcesContent?.[0]).toContain("export");
  });

  it("validates the shipped manifests and bundles both Lambda entry points from the consumer's folder", async () => {
    const validated = await node([cli, "validate", "node_modules/@synheart/cloud-connector/vendors"]);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);
    const built = await node([cli, "build", "--target", "all", "--sink", "./sink.mjs", "--vendors", "node_modules/@synheart/cloud-connector/vendors", "--allow-retired", "--out", "dist-lambda"]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    expect(existsSync(join(app, "dist-lambda", "index.mjs"))).toBe(true);
    expect(existsSync(join(app, "dist-lambda", "worker.mjs"))).toBe(true);
  }, 60_000);

  it("drives a signed webhook through Hono, Express and Fastify apps", async () => {
    const result = await node(["drive.mjs", "shipped-folder"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { vendors: string[]; frameworks: Record<string, { status: number; jobs: string[] }> };
    expect(report.vendors).toEqual(["whoop"]);
    for (const name of ["hono", "express", "fastify"]) expect(report.frameworks[name], name).toEqual({ status: 200, jobs: ["whoop sleep.updated"] });
  }, 60_000);

  it("drives a signed webhook through the HTTP bundle and a job batch through the worker bundle", async () => {
    const body = whoopSample();
    const event = {
      version: "2.0",
      rawPath: "/webhooks/whoop",
      rawQueryString: "",
      headers: { ...(await signedWhoop(body)), host: "abc.lambda-url.us-east-1.on.aws" },
      body: body.toString("utf8"),
      isBase64Encoded: false,
      requestContext: { domainName: "abc.lambda-url.us-east-1.on.aws", http: { method: "POST", path: "/webhooks/whoop", sourceIp: "192.0.2.1" } },
    };
    const invoke = `const { handler } = await import(process.argv[1]); console.log("RESULT " + JSON.stringify(await handler(JSON.parse(process.argv[2]), {})));`;
    const env = { ...childEnv, SYNHEART_BACKEND: "memory" };
    const http = await node(["--input-type=module", "-e", invoke, join(app, "dist-lambda", "index.mjs"), JSON.stringify(event)], env);
    expect(http.code, http.stderr).toBe(0);
    expect(JSON.parse(http.stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7))).toMatchObject({ statusCode: 200 });

    // The job SqsJobQueue would carry for that webhook, and a message that is not a job. With memory backends the user
    // has no connection, so the job ends as skipped (a success); the poison message alone is reported as failed.
    const job = encodeJobMessage({ event: { id: "whoop-1", vendor: "whoop", type: "sleep.updated", userId: "10129", delivery: "push", data: {}, authenticity: "verified" }, enqueuedAt: Date.now() });
    const record = (messageId: string, messageBody: string) => ({
      messageId,
      receiptHandle: messageId,
      body: messageBody,
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:synheart-jobs",
      awsRegion: "us-east-1",
    });
    const batch = { Records: [record("job", job), record("poison", "{}")] };
    const worker = await node(["--input-type=module", "-e", invoke, join(app, "dist-lambda", "worker.mjs"), JSON.stringify(batch)], env);
    expect(worker.code, worker.stderr).toBe(0);
    expect(JSON.parse(worker.stdout.split("\n").find((line) => line.startsWith("RESULT "))!.slice(7))).toEqual({ batchItemFailures: [{ itemIdentifier: "poison" }] });
  }, 60_000);

  it("typechecks an import of every export of every entry point in a strict project with skipLibCheck: false", async () => {
    const result = await typecheck!;
    expect(result.stdout + result.stderr).toBe("");
    expect(result.code).toBe(0);
  }, 120_000);

  // Issue 11 items 1 and 5: built-in vendors from the package's folder, retired vendors skipped, --help/--version.
  it("with no folder named: loads the built-in vendors (Fitbit retired and skipped), validates, builds; serve --help and --version answer", async () => {
    const result = await node(["drive.mjs", "built-in"]);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as { vendors: string[]; warnings: string[]; frameworks: Record<string, { status: number }> };
    expect(report.vendors).toEqual(["whoop"]);
    expect(report.warnings.join("\n")).toMatch(/fitbit/i);
    for (const name of ["hono", "express", "fastify"]) expect(report.frameworks[name]?.status).toBe(200);

    expect((await node([cli, "validate"])).code).toBe(0);
    const built = await node([cli, "build", "--target", "all", "--sink", "./sink.mjs", "--out", "dist-builtin"]);
    expect(built.code, built.stdout + built.stderr).toBe(0);
    expect(readFileSync(join(app, "dist-builtin", "index.mjs"), "utf8")).not.toContain('"id":"fitbit"');
    const help = await node([cli, "serve", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout + help.stderr).toContain("--backend");
    const version = await node([cli, "--version"]);
    expect(version.stdout.trim()).toContain(manifest.version);
  }, 60_000);
});
