import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConnectorError } from "../errors.js";
import type { VendorCredentials } from "../manifest/credentials.js";
import { loadManifestText } from "../manifest/loader.js";
import { formatProblem } from "../manifest/problems.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";

/** The origin written in sandbox/vendors/sandbox.yaml; replaced by the one the server really listens on. */
const MANIFEST_ORIGIN = "http://127.0.0.1:8787";

/** sandbox/vendors/sandbox.yaml from the package root, whether running from engine/ (source) or dist/engine/. */
export function sandboxManifestFile(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.SYNHEART_SANDBOX_MANIFEST) return env.SYNHEART_SANDBOX_MANIFEST;
  for (const relative of ["../../sandbox/vendors/sandbox.yaml", "../../../sandbox/vendors/sandbox.yaml"]) {
    const file = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(file)) return file;
  }
  throw new ConnectorError("manifest_invalid", "sandbox/vendors/sandbox.yaml not found beside the package");
}

/** The sandbox vendor's manifest, validated by the real loader, pointing at `origin`. */
export function loadSandboxDefinition(origin: string): VendorDefinition {
  const file = sandboxManifestFile();
  const text = readFileSync(file, "utf8").split(MANIFEST_ORIGIN).join(new URL(origin).origin);
  const result = loadManifestText(text, file);
  const errors = result.problems.filter((problem) => problem.severity === "error");
  const vendor = result.vendors[0];
  if (errors.length || !vendor) throw new ConnectorError("manifest_invalid", errors.map(formatProblem).join("\n"));
  return vendor;
}

/** Fresh client credentials for one sandbox run: nothing to configure, nothing to leak. */
export function generateSandboxCredentials(): VendorCredentials {
  return {
    clientId: `sandbox-client-${randomBytes(4).toString("hex")}`,
    clientSecret: randomBytes(24).toString("base64url"),
    settings: {},
  };
}
