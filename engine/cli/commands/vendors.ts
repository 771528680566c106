import { lifecycleMessage } from "../../manifest/lifecycle.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import type { CliIo } from "../io.js";
import { loadVendorsForCommand, vendorOptions, vendorSelection } from "../load-vendors.js";

export const vendorsCommandSpec: CliCommand = {
  summary: "list the vendors (built-in plus --vendors) and their event types",
  usage: "[files or folders...]",
  options: { ...vendorOptions },
  run: vendorsCommand,
};

/** `vendors [paths...]`: each loaded vendor with its event types. */
export async function vendorsCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(vendorsCommandSpec, args);
  const catalog = await loadVendorsForCommand(io, vendorSelection(values, positionals));
  for (const vendor of catalog.vendors) {
    const { manifest } = vendor;
    const types = [...new Set((manifest.webhooks?.events.mappings ?? []).map((m) => `${m.type} (${m.delivery})`))];
    const lifecycle = lifecycleMessage(manifest);
    io.out(`${vendor.id}  ${manifest.displayName}${lifecycle ? `  [${lifecycle}]` : ""}`);
    for (const type of types) io.out(`  ${type}`);
  }
  return 0;
}
