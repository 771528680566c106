import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { isConnectorError } from "../../engine/errors.js";
import { loadConnectorEngine } from "../../engine/load-engine.js";
import { builtinVendorsDirectory, sandboxVendorsDirectory } from "../../engine/manifest/builtin-vendors.js";
import type { ManifestProblem } from "../../engine/manifest/problems.js";
import { loadVendorCatalog } from "../../engine/manifest/vendor-catalog.js";

const AFTER_FITBIT_RETIRED = new Date("2026-11-30T00:00:00Z");
const whoopText = readFileSync(join(builtinVendorsDirectory(), "whoop.yaml"), "utf8");
const fitbitText = readFileSync(join(builtinVendorsDirectory(), "fitbit.yaml"), "utf8");
/** The shipped vendors that load: every manifest but the retired Fitbit. */
const ACTIVE = readdirSync(builtinVendorsDirectory()).filter((name) => name.endsWith(".yaml")).map((name) => name.slice(0, -5)).filter((id) => id !== "fitbit").sort();
const credentials = { whoop: { clientId: "w", clientSecret: "s", settings: {} } };

let appFolder: string;
let elsewhere: string;
const startDirectory = process.cwd();
beforeAll(() => {
  appFolder = mkdtempSync(join(tmpdir(), "synheart-app-vendors-"));
  elsewhere = mkdtempSync(join(tmpdir(), "synheart-consumer-"));
  // The app replaces WHOOP (same id) and adds a vendor of its own.
  writeFileSync(join(appFolder, "whoop.yaml"), whoopText.replace("displayName: WHOOP", "displayName: WHOOP (ours)"));
  writeFileSync(join(appFolder, "acme.yaml"), whoopText.replace(/^id: whoop$/m, "id: acme").replace("displayName: WHOOP", "displayName: Acme"));
});
afterAll(() => {
  process.chdir(startDirectory);
  rmSync(appFolder, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

describe("built-in vendors", () => {
  it("are the package's own manifests, found from the module, not the working directory", async () => {
    process.chdir(elsewhere); // a consumer project: no vendors/ here
    try {
      const catalog = await loadVendorCatalog({ now: AFTER_FITBIT_RETIRED });
      expect(catalog.vendors.map((vendor) => vendor.id).sort()).toEqual(ACTIVE);
      expect(catalog.vendors.every((vendor) => vendor.source.startsWith(builtinVendorsDirectory()))).toBe(true);
      expect(catalog.problems.filter((problem) => problem.severity === "error")).toEqual([]);
    } finally {
      process.chdir(startDirectory);
    }
  });

  it("skip a retired vendor with a warning and never let it block the others", async () => {
    const catalog = await loadVendorCatalog({ now: AFTER_FITBIT_RETIRED });
    expect(catalog.skipped).toEqual([{ id: "fitbit", source: join(builtinVendorsDirectory(), "fitbit.yaml"), reason: "retired" }]);
    expect(catalog.problems).toEqual([expect.objectContaining({ severity: "warning", path: "/lifecycle", message: expect.stringMatching(/retired.*skipped/) })]);
    const allowed = await loadVendorCatalog({ now: AFTER_FITBIT_RETIRED, allowRetired: true });
    expect(allowed.vendors.map((vendor) => vendor.id)).toContain("fitbit");
  });

  it("loadConnectorEngine works from any directory with the built-ins, reporting the retired vendor as a warning", async () => {
    process.chdir(elsewhere);
    const warnings: ManifestProblem[] = [];
    try {
      const engine = await loadConnectorEngine({ backends: createMemoryBackends(), credentials, onWarning: (warning) => warnings.push(warning) });
      expect(engine.vendors.map((vendor) => vendor.id)).toEqual(["whoop"]);
      expect(engine.vendor("whoop").vendorId).toBe("whoop");
    } finally {
      process.chdir(startDirectory);
    }
    expect(warnings.map((warning) => warning.file)).toEqual([join(builtinVendorsDirectory(), "fitbit.yaml")]);
  });
});

describe("the app's own manifests", () => {
  it("add vendors and replace built-ins by id", async () => {
    const catalog = await loadVendorCatalog({ vendorPaths: [appFolder], now: AFTER_FITBIT_RETIRED });
    const byId = new Map(catalog.vendors.map((vendor) => [vendor.id, vendor]));
    expect([...byId.keys()].sort()).toEqual(["acme", ...ACTIVE].sort());
    expect(byId.get("whoop")?.manifest.displayName).toBe("WHOOP (ours)");
    expect(byId.get("whoop")?.source).toBe(join(appFolder, "whoop.yaml"));
    expect(catalog.overridden).toEqual([{ id: "whoop", builtin: join(builtinVendorsDirectory(), "whoop.yaml"), by: join(appFolder, "whoop.yaml") }]);
  });

  it("can bring back a retired vendor under the same id, and its warning goes with the built-in", async () => {
    const own = mkdtempSync(join(tmpdir(), "synheart-own-fitbit-"));
    try {
      writeFileSync(join(own, "fitbit.yaml"), fitbitText.replace(/^lifecycle:[\s\S]*?(?=^\S)/m, ""));
      const catalog = await loadVendorCatalog({ vendorPaths: [own], now: AFTER_FITBIT_RETIRED });
      expect(catalog.vendors.find((vendor) => vendor.id === "fitbit")?.source).toBe(join(own, "fitbit.yaml"));
      expect(catalog.skipped).toEqual([]);
      expect(catalog.problems.filter((problem) => problem.path === "/lifecycle")).toEqual([]);
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it("with an error fail loading with every problem listed, without touching the built-ins", async () => {
    const broken = mkdtempSync(join(tmpdir(), "synheart-broken-"));
    try {
      writeFileSync(join(broken, "acme.yaml"), whoopText.replace(/^id: whoop$/m, "id: acme").replace("  pkce: false", "  pkec: false"));
      const catalog = await loadVendorCatalog({ vendorPaths: [broken], now: AFTER_FITBIT_RETIRED });
      expect(catalog.vendors.map((vendor) => vendor.id)).toContain("whoop");
      expect(catalog.problems.some((problem) => problem.severity === "error" && problem.file === join(broken, "acme.yaml"))).toBe(true);
      const error = await loadConnectorEngine({ backends: createMemoryBackends(), credentials, vendorPaths: [broken], onWarning: () => {} }).catch((caught: unknown) => caught);
      expect(isConnectorError(error, "manifest_invalid")).toBe(true);
      expect((error as Error).message).toContain('unknown field "pkec"');
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });

  it("builtinVendors: false loads only the app's; the sandbox vendor is embeddable by path", async () => {
    const only = await loadVendorCatalog({ vendorPaths: [appFolder], builtinVendors: false });
    expect(only.vendors.map((vendor) => vendor.id).sort()).toEqual(["acme", "whoop"]);
    const engine = await loadConnectorEngine({
      backends: createMemoryBackends(),
      vendorPaths: [sandboxVendorsDirectory()],
      credentials: { sandbox: { clientId: "c", clientSecret: "s", settings: {} } },
      onWarning: () => {},
    });
    expect(engine.vendors.map((vendor) => vendor.id)).toEqual(["sandbox"]);
  });
});
