import { lifecycleMessage } from "../../manifest/lifecycle.js";
import type { CliIo } from "../io.js";
import { loadVendorsForCommand } from "../load-vendors.js";

/** `vendors [paths...]`: each loaded vendor with its event types. */
export async function vendorsCommand(io: CliIo, paths: readonly string[]): Promise<number> {
  for (const vendor of await loadVendorsForCommand(io, paths)) {
    const { manifest } = vendor;
    const types = [...new Set((manifest.webhooks?.events.mappings ?? []).map((m) => `${m.type} (${m.delivery})`))];
    const lifecycle = lifecycleMessage(manifest);
    io.out(`${vendor.id}  ${manifest.displayName}${lifecycle ? `  [${lifecycle}]` : ""}`);
    for (const type of types) io.out(`  ${type}`);
  }
  return 0;
}
