import { resolve } from "node:path";
import type { ConnectorEngine } from "../../connector-engine.js";
import type { StoredConnection } from "../../ports/token-store.js";
import { parseCommandArgs, type CliCommand } from "../command.js";
import { UsageError, type CliIo } from "../io.js";
import { loadCommandCatalog, stringList, vendorOptions } from "../load-vendors.js";
import { backendOptions, openBackendsForCommand, type OpenedBackends } from "../open-backends.js";

/** What the CLI shows of a connection: never the sealed tokens, not even encrypted. */
export function connectionSummary(connection: StoredConnection): Record<string, unknown> {
  return {
    vendor: connection.vendor,
    userId: connection.userId,
    ...(connection.vendorUserId ? { vendorUserId: connection.vendorUserId } : {}),
    status: connection.status,
    version: connection.version,
    ...(connection.accessTokenExpiresAt !== undefined ? { accessTokenExpiresAt: new Date(connection.accessTokenExpiresAt).toISOString() } : {}),
    updatedAt: new Date(connection.updatedAt).toISOString(),
    keyId: connection.sealedTokens.keyId,
  };
}

async function withBackends<T>(io: CliIo, values: Record<string, unknown>, use: (opened: OpenedBackends) => Promise<T>): Promise<T> {
  const opened = await openBackendsForCommand(io, values);
  try {
    return await use(opened);
  } finally {
    await opened.backends.close();
  }
}

const listSpec: CliCommand = {
  summary: "list the stored connections of a vendor (or of every known vendor), one JSON line each",
  usage: "[vendor]",
  options: {
    limit: { type: "string", value: "<n>", description: "at most this many (default: all)" },
    cursor: { type: "string", value: "<cursor>", description: "continue after a previous page (printed on stderr when --limit cut it)" },
    ...backendOptions,
    vendors: vendorOptions.vendors,
  },
  details: "Prints vendor, userId, vendorUserId, status, version, token expiry, updatedAt and the sealing key id; never tokens.",
  run: async (io, args) => {
    const { values, positionals } = parseCommandArgs(listSpec, args);
    const limit = values.limit === undefined ? undefined : wholeNumber(String(values.limit), "--limit");
    const vendorIds = positionals[0]
      ? [positionals[0]]
      : await knownVendorIds(io, stringList(values.vendors));
    if (values.cursor !== undefined && vendorIds.length !== 1) throw new UsageError("--cursor continues one vendor's list: name the vendor");
    return withBackends(io, values, async ({ backends }) => {
      let printed = 0;
      for (const vendor of vendorIds) {
        let cursor = typeof values.cursor === "string" ? values.cursor : undefined;
        do {
          const remaining = limit === undefined ? 100 : Math.min(100, limit - printed);
          if (remaining <= 0) break;
          const page = await backends.tokenStore.listByVendor(vendor, { limit: remaining, ...(cursor ? { cursor } : {}) });
          for (const connection of page.items) io.out(JSON.stringify(connectionSummary(connection)));
          printed += page.items.length;
          cursor = page.cursor;
          if (cursor && limit !== undefined && printed >= limit) {
            io.err(`more: synheart-connector connections list ${vendor} --limit ${limit} --cursor ${cursor}`);
            return 0;
          }
        } while (cursor);
      }
      io.err(`${printed} connection${printed === 1 ? "" : "s"}`);
      return 0;
    });
  },
};

const showSpec: CliCommand = {
  summary: "show one user's connection to a vendor (exit 1 when there is none)",
  usage: "<vendor> <user id>",
  options: { ...backendOptions },
  run: async (io, args) => {
    const { values, positionals } = parseCommandArgs(showSpec, args);
    const [vendor, userId] = positionals;
    if (!vendor || !userId) throw new UsageError("name the vendor and the user id");
    return withBackends(io, values, async ({ backends }) => {
      const connection = await backends.tokenStore.get(vendor, userId);
      if (!connection) {
        io.err(`no ${vendor.slice(0, 64)} connection for user ${userId.slice(0, 128)}`);
        return 1;
      }
      io.out(JSON.stringify(connectionSummary(connection), null, 2));
      return 0;
    });
  },
};

const revokeSpec: CliCommand = {
  summary: "revoke a user's connection: at the vendor where it has revocation, then delete our copy",
  usage: "<vendor> <user id>",
  options: {
    "local-only": { type: "boolean", description: "only delete our copy (the vendor is not configured, or must not be called)" },
    ...backendOptions,
    ...vendorOptions,
  },
  details: "Calling the vendor needs its credentials (SYNHEART_<VENDOR>_CLIENT_ID, ...). Our copy is deleted whatever the vendor says.",
  run: async (io, args) => {
    const { values, positionals } = parseCommandArgs(revokeSpec, args);
    const [vendorId, userId] = positionals;
    if (!vendorId || !userId) throw new UsageError("name the vendor and the user id");
    return withBackends(io, values, async ({ backends, env }) => {
      if (values["local-only"] === true) {
        const deleted = await backends.tokenStore.delete(vendorId, userId);
        io.out(JSON.stringify({ vendor: vendorId, userId, deleted, revokedAtVendor: false }));
        if (!deleted) io.err(`no ${vendorId.slice(0, 64)} connection for user ${userId.slice(0, 128)}`);
        return deleted ? 0 : 1;
      }
      const catalog = await loadCommandCatalog(io, {
        vendors: stringList(values.vendors),
        noBuiltin: values["no-builtin"] === true,
        // Connections made before a retirement must stay revocable.
        allowRetired: true,
      });
      const vendor = catalog.vendors.find((candidate) => candidate.id === vendorId);
      if (!vendor) throw new UsageError(`no vendor "${vendorId.slice(0, 64)}" (known: ${catalog.vendors.map((v) => v.id).join(", ")}); --local-only deletes our copy anyway`);
      const { createConnectorEngine } = await import("../../connector-engine.js");
      const engine: ConnectorEngine = createConnectorEngine({ vendors: [vendor], backends, env });
      if (engine.vendors.length === 0) {
        throw new UsageError(`${vendorId} is not configured here (SYNHEART_${vendorId.toUpperCase().replace(/-/g, "_")}_CLIENT_ID is not set): cannot revoke at the vendor; --local-only deletes our copy`);
      }
      const result = await engine.vendor(vendorId).revokeTokens(userId);
      io.out(JSON.stringify({ vendor: vendorId, userId, deleted: result.deleted, revokedAtVendor: result.revokedAtVendor, vendorRevocation: result.vendorRevocation.outcome, ...(result.vendorError ? { vendorError: result.vendorError } : {}) }));
      if (!result.deleted) io.err(`no ${vendorId.slice(0, 64)} connection for user ${userId.slice(0, 128)}`);
      return result.deleted ? 0 : 1;
    });
  },
};

export const connectionsCommandSpec: CliCommand = {
  summary: "list, show and revoke stored connections (embedded or AWS backend)",
  subcommands: { list: listSpec, show: showSpec, revoke: revokeSpec },
};

async function knownVendorIds(io: CliIo, vendors: readonly string[]): Promise<string[]> {
  const catalog = await loadCommandCatalog(io, { vendors: vendors.map((path) => resolve(io.cwd, path)), allowRetired: true });
  return catalog.vendors.map((vendor) => vendor.id);
}

export function wholeNumber(value: string, name: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new UsageError(`${name} takes a whole number of at least 1`);
  return Number(value);
}
