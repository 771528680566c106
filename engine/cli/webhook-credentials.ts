import type { VendorCredentials } from "../manifest/credentials.js";
import type { VendorDefinition } from "../manifest/vendor-definition.js";
import type { CliOption } from "./command.js";
import { UsageError } from "./io.js";

/** How sign-webhook and verify-webhook are given the vendor's secrets. */
export const credentialOptions = {
  secret: { type: "string", value: "<secret>", description: "the secret the vendor signs with (client secret and every setting)" },
  setting: { type: "string", multiple: true, value: "<name=value>", description: "one manifest setting precisely; list settings comma-separated" },
  "client-id": { type: "string", value: "<id>", description: "the OAuth client id, for vendors that check it (default client-id)" },
} as const satisfies Record<string, CliOption>;

/**
 * Credentials for signing or verifying one webhook from the command line: `--secret` stands for whichever secret
 * the vendor signs with (the client secret and every setting), `--setting name=value` sets one precisely.
 */
export function cliCredentials(
  vendor: VendorDefinition,
  options: { secret?: string; clientId?: string; settings?: readonly string[] },
): VendorCredentials {
  const secret = options.secret;
  const settings: Record<string, string | readonly string[]> = {};
  for (const [name, setting] of Object.entries(vendor.manifest.settings ?? {})) {
    if (secret !== undefined) settings[name] = setting.list ? [secret] : secret;
  }
  for (const assignment of options.settings ?? []) {
    const equals = assignment.indexOf("=");
    if (equals <= 0) throw new UsageError(`--setting takes name=value, got "${assignment.split("=")[0]}"`);
    const name = assignment.slice(0, equals);
    const setting = vendor.manifest.settings?.[name];
    if (!setting) throw new UsageError(`${vendor.id} has no setting "${name}"`);
    const value = assignment.slice(equals + 1);
    settings[name] = setting.list ? value.split(",").map((v) => v.trim()) : value;
  }
  return { clientId: options.clientId ?? "client-id", clientSecret: secret ?? "", settings };
}
