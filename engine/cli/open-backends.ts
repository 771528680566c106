import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Backends } from "../ports/backends.js";
import { withEnvFile } from "./commands/serve.js";
import type { CliOption } from "./command.js";
import { UsageError, type CliIo } from "./io.js";

export type BackendKind = "embedded" | "aws";

/** The flags of the commands that work on a deployment's store and queue. */
export const backendOptions = {
  backend: {
    type: "string",
    value: "embedded|aws",
    description: "which store and queue: default SYNHEART_BACKEND, else aws when SYNHEART_DYNAMODB_TABLE is set, else embedded",
  },
  data: { type: "string", default: ".synheart", value: "<folder>", description: "embedded: the folder holding connector.db and the token keys" },
  "env-file": { type: "string", default: ".env", value: "<file>", description: "KEY=value settings; the real environment wins" },
} as const satisfies Record<string, CliOption>;

export interface OpenedBackends {
  readonly kind: BackendKind;
  readonly backends: Backends;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function backendKind(flag: unknown, env: Readonly<Record<string, string | undefined>>): BackendKind {
  const chosen = typeof flag === "string" ? flag : env.SYNHEART_BACKEND;
  if (chosen === undefined || chosen === "") return env.SYNHEART_DYNAMODB_TABLE ? "aws" : "embedded";
  if (chosen === "embedded" || chosen === "sqlite") return "embedded";
  if (chosen === "aws") return "aws";
  throw new UsageError(`--backend must be embedded or aws, not "${chosen.slice(0, 32)}"`);
}

/**
 * Opens the backends an operations command works on. Embedded: an existing store only (a command that reads must not
 * create an empty one and report "nothing there"). AWS: the environment's configuration (every missing variable at once).
 */
export async function openBackendsForCommand(io: CliIo, values: Record<string, unknown>): Promise<OpenedBackends> {
  const env = withEnvFile(io.env, resolve(io.cwd, String(values["env-file"] ?? ".env")));
  const kind = backendKind(values.backend, env);
  if (kind === "embedded") {
    const directory = resolve(io.cwd, String(values.data ?? ".synheart"));
    if (!existsSync(join(directory, "connector.db"))) {
      throw new UsageError(`no embedded store at ${join(directory, "connector.db")}: pass --data <folder>, or --backend aws`);
    }
    const { createEmbeddedBackends } = await import("../backends/embedded/backends.js");
    return { kind, env, backends: createEmbeddedBackends({ directory, env }) };
  }
  const { awsBackendsConfigFromEnv, createAwsBackends } = await import("../backends/aws/create-aws-backends.js");
  return { kind, env, backends: await createAwsBackends(awsBackendsConfigFromEnv(env)) };
}
