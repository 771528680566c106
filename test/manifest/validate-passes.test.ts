// validate: every pass runs even with schema errors, an alias is reported once, a field the fixtures never carry is
// flagged with the closest one, and a timestamp header that is the signature header is an error.
import { cp, mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/run-cli.js";

const cli = (...argv: string[]) => runCli(argv);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "synheart-validate-"));
  await mkdir(join(dir, "fixtures"));
  await cp("vendors/fixtures/strava.yaml", join(dir, "fixtures", "strava.yaml"));
});

async function stravaWith(edit: (text: string) => string): Promise<string> {
  const file = join(dir, "strava.yaml");
  await writeFile(file, edit(await readFile("vendors/strava.yaml", "utf8")));
  return file;
}

describe("validate", () => {
  it("warns about a field no fixture payload has, suggesting the closest one (once for an aliased expression)", async () => {
    const file = await stravaWith((text) => text.replace('"userId": $string(owner_id), "resourceId"', '"userId": $string(ownerid), "resourceId"'));
    const result = await cli("validate", file);
    expect(result.code).toBe(0);
    const warnings = result.out.split("\n").filter((line) => line.includes('reads "ownerid"'));
    expect(warnings).toHaveLength(1); // the activity map is used by three mappings through &activity
    expect(warnings[0]).toMatch(/strava\.yaml:\d+:\d+: warning: reads "ownerid", which appears in none of the payloads .* \(did you mean "owner_id"\?\)/);
  });

  it("runs the semantic pass next to schema errors: an enum typo and an undeclared setting are both reported", async () => {
    const file = await stravaWith((text) => text.replace("clientAuth: client_secret_post", "clientAuth: client_secret_pots").replace('equals: "{settings.verifyToken}"', 'equals: "{settings.verifyTokn}"'));
    const result = await cli("validate", file);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/must be one of "client_secret_basic", "client_secret_post"/);
    expect(result.err).toMatch(/\{settings\.verifyTokn\} refers to a setting that "settings" does not declare/);
  });

  it("reports a mistake in an aliased expression once", async () => {
    const file = await stravaWith((text) => text.replace('map: &activity \'{ "userId"', "map: &activity '{ \"userId\" ++"));
    const result = await cli("validate", file);
    expect(result.code).toBe(1);
    expect(result.err.split("\n").filter((line) => line.includes("invalid JSONata"))).toHaveLength(1);
  });

  it("refuses a timestamp header that is the signature header, pointing at fields", async () => {
    const text = (await readFile("test/fixtures/vendors/structured-signature.yaml", "utf8")).replace("    fields: { signature: v1 }\n", "").replace("timestamp: { field: t,", "timestamp: { header: Example-Signature,");
    const file = join(dir, "structured-signature.yaml");
    await writeFile(file, text);
    const result = await cli("validate", file);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/the timestamp header is the signature header \(example-signature\).*signature\.fields and timestamp\.field/);
  });

  it("lists every flag in --help", async () => {
    const result = await cli("validate", "--help");
    expect(result.out).toContain("--no-fixtures");
  });
});
