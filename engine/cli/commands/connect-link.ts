import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { localConnectLinkKeys } from "../../handlers/local-connect-link-keys.js";
import { VENDOR_ID_PATTERN } from "../../handlers/routes.js";
import { createConnectLink } from "../../oauth/connect-link-service.js";
import { parseConnectLinkKeys } from "../../oauth/connect-link.js";
import { UsageError, type CliIo } from "../io.js";
import { withEnvFile } from "./serve.js";

export const CONNECT_LINK_USAGE =
  "connect-link <vendor> <userId> [--ttl 3600] [--origin http://127.0.0.1:8787] [--data .synheart] [--env-file .env]";

/**
 * `connect-link <vendor> <userId>`: prints a signed link that starts a connection for the user on `serve` (or on any
 * deployment sharing SYNHEART_CONNECT_LINK_KEY). The key is the one `serve` uses: the environment's, else the one in
 * the data directory. Whoever holds the link can connect a vendor account to that user until it expires.
 */
export async function connectLinkCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      ttl: { type: "string", default: "3600" },
      origin: { type: "string" },
      data: { type: "string", default: ".synheart" },
      "env-file": { type: "string", default: ".env" },
    },
    allowPositionals: true,
  });
  const [vendor, userId, ...extra] = positionals;
  if (!vendor || !userId || extra.length) throw new UsageError("give a vendor id and a user id");
  if (!VENDOR_ID_PATTERN.test(vendor)) throw new UsageError(`"${vendor.slice(0, 64)}" is not a vendor id`);
  const ttlSeconds = Number(values.ttl);
  const env = withEnvFile(io.env, resolve(io.cwd, values["env-file"]));
  const keys = parseConnectLinkKeys(localConnectLinkKeys(resolve(io.cwd, values.data), env));
  const origin = values.origin ?? env.SYNHEART_PUBLIC_URL ?? "http://127.0.0.1:8787";
  const link = createConnectLink(keys, { vendor, userId, ttlSeconds, baseUrl: `${origin.replace(/\/+$/, "")}${env.SYNHEART_HTTP_PREFIX ?? ""}` }, Date.now());
  io.out(link.url!);
  return 0;
}
