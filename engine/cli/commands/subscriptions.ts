import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createMemoryBackends } from "../../backends/embedded/memory-backends.js";
import { loadConnectorEngine } from "../../load-engine.js";
import { UsageError, type CliIo } from "../io.js";
import { withEnvFile } from "./serve.js";

/**
 * `subscriptions sync`: makes the vendors' app-level webhook subscriptions match the manifests (creates the missing
 * ones, renews those about to expire; `--prune` deletes the ones no item asks for). Idempotent; prints each change.
 */
export async function subscriptionsCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      "dry-run": { type: "boolean", default: false },
      prune: { type: "boolean", default: false },
      vendor: { type: "string", multiple: true },
      vendors: { type: "string", multiple: true },
      "env-file": { type: "string", default: ".env" },
    },
    allowPositionals: true,
  });
  if (positionals.length !== 1 || positionals[0] !== "sync") throw new UsageError('the only subscriptions command is "sync"');
  const env = withEnvFile(io.env, resolve(io.cwd, values["env-file"]));
  // App-level calls use app credentials only: no user store is involved.
  const engine = await loadConnectorEngine({ vendorPaths: (values.vendors ?? []).map((path) => resolve(io.cwd, path)), backends: createMemoryBackends(), env });
  try {
    const changes = await engine.subscriptions.syncApp({
      dryRun: values["dry-run"],
      prune: values.prune,
      ...(values.vendor ? { vendors: values.vendor } : {}),
    });
    const prefix = values["dry-run"] ? "would " : "";
    for (const change of changes) {
      io.out(`${prefix}${change.action} ${change.vendor} ${change.key}${change.id ? ` (${change.id})` : ""}${change.expiresAt ? ` expiring ${change.expiresAt}` : ""}`);
    }
    io.out(changes.length === 0 ? "subscriptions up to date" : `${changes.length} change${changes.length === 1 ? "" : "s"}${values["dry-run"] ? " (dry run: nothing changed)" : ""}`);
    return 0;
  } finally {
    await engine.close();
  }
}
