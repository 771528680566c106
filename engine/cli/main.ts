import { ConnectorError } from "../errors.js";
import { logLevelFromEnv } from "../logging/logger.js";
import { packageVersion } from "../package-files.js";
import { asksForHelp, commandHelp, type CliCommand } from "./command.js";
import { buildCommandSpec } from "./commands/build.js";
import { connectionsCommandSpec } from "./commands/connections.js";
import { jobsCommandSpec } from "./commands/jobs.js";
import { serveCommandSpec } from "./commands/serve.js";
import { initAwsCommandSpec } from "./commands/init-aws.js";
import { TEST_USAGE, testCommand } from "./commands/test.js";
import { signWebhookCommandSpec } from "./commands/sign-webhook.js";
import { validateCommandSpec } from "./commands/validate.js";
import { vendorsCommandSpec } from "./commands/vendors.js";
import { verifyWebhookCommandSpec } from "./commands/verify-webhook.js";
import { describeFailure } from "./friendly-errors.js";
import { processIo, UsageError, type CliIo } from "./io.js";

/**
 * Every command: one entry with its help text (summary, usage, options). Adding a command is adding an entry; `--help`,
 * usage errors and friendly failure messages come from here. Command modules import what is heavy (HTTP handlers,
 * esbuild, the AWS SDK) inside `run`, so `--help` and `validate` load none of it.
 */
export const commands: Record<string, CliCommand> = {
  validate: validateCommandSpec,
  vendors: vendorsCommandSpec,
  "sign-webhook": signWebhookCommandSpec,
  "verify-webhook": verifyWebhookCommandSpec,
  serve: serveCommandSpec,
  build: buildCommandSpec,
  "init-aws": initAwsCommandSpec,
  connections: connectionsCommandSpec,
  jobs: jobsCommandSpec,
  "connect-link": {
    summary: "print a signed link that starts a connection for the user (the key serve uses)",
    details: "usage: synheart-connector connect-link <vendor> <userId> [--ttl 3600] [--origin url] [--data .synheart]",
    run: async (io, args) => (await import("./commands/connect-link.js")).connectLinkCommand(io, args),
  },
  test: {
    summary: "run a vendor's webhook fixtures through verification and mapping",
    details: `usage: synheart-connector ${TEST_USAGE}`,
    run: testCommand,
  },
  sync: {
    summary: "read a user's pull streams now (embedded backend), or show their sync status",
    usage: "<vendor> <userId>",
    options: {
      since: { type: "string", value: "<30d | ISO time>", description: "read from this far back instead of the stream's checkpoint" },
      stream: { type: "string", multiple: true, value: "<name>", description: "only this stream (repeatable); default: every stream of the vendor" },
      status: { type: "boolean", description: "print each stream's checkpoint, running and last runs as JSON, and read nothing" },
      vendors: { type: "string", multiple: true, value: "<path>", description: "manifests that add to or replace the built-in vendors" },
      data: { type: "string", value: "<dir>", description: "the embedded backend's data folder (default .synheart)" },
      "env-file": { type: "string", value: "<file>", description: "credentials file (default .env)" },
    },
    run: async (io, args) => (await import("./commands/sync.js")).syncCommand(io, args),
  },
  subscriptions: {
    summary: "create and renew the vendors' app-level webhook subscriptions",
    subcommands: {
      sync: {
        summary: "make the vendors' app-level subscriptions match the manifests (idempotent; prints each change)",
        options: {
          "dry-run": { type: "boolean", description: "print what would change, change nothing" },
          prune: { type: "boolean", description: "also delete subscriptions that no manifest asks for" },
          vendor: { type: "string", multiple: true, value: "<id>", description: "only this vendor (repeatable)" },
          vendors: { type: "string", multiple: true, value: "<path>", description: "manifests that add to or replace the built-in vendors" },
          "env-file": { type: "string", value: "<file>", description: "credentials file (default .env)" },
        },
        run: async (io, args) => (await import("./commands/subscriptions.js")).subscriptionsCommand(io, ["sync", ...args]),
      },
    },
  },
};

/** Adds a command at run time (plugins, tests). */
export function registerCommand(name: string, command: CliCommand): void {
  commands[name] = command;
}

function overview(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  return [
    "usage: synheart-connector <command> [options]",
    "",
    "commands:",
    ...Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    "",
    "Run `synheart-connector <command> --help` for a command's options; `--version` prints the version.",
  ].join("\n");
}

/**
 * Runs the CLI and returns its exit code: 0 ok, 1 invalid manifests, usage or a failure, 2 a rejected webhook.
 * Never throws: a failure is one line on stderr (the stack only with --log-level debug).
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    const { name: packageName, version } = packageVersion();
    io.out(`${packageName} ${version}`);
    return 0;
  }
  if (!name || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic && commands[topic]) {
      io.out(commandHelp(topic, commands[topic]));
      return 0;
    }
    (name ? io.out : io.err)(overview());
    return name ? 0 : 1;
  }
  let path = name;
  let command = commands[name];
  let args = rest;
  if (!command) {
    io.err(`unknown command "${name.slice(0, 64)}"\n\n${overview()}`);
    return 1;
  }
  while (command.subcommands) {
    const [sub, ...subArgs] = args;
    if (!sub || sub === "--help" || sub === "-h") {
      (sub ? io.out : io.err)(commandHelp(path, command));
      return sub ? 0 : 1;
    }
    const next: CliCommand | undefined = command.subcommands[sub];
    if (!next) {
      io.err(`unknown subcommand "${sub.slice(0, 64)}" of ${path}\n\n${commandHelp(path, command)}`);
      return 1;
    }
    path = `${path} ${sub}`;
    command = next;
    args = subArgs;
  }
  if (asksForHelp(args)) {
    io.out(commandHelp(path, command));
    return 0;
  }
  try {
    return await command.run!(io, args);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`${(error as Error).message}\n\nRun \`synheart-connector ${path} --help\` for its options.`);
      return 1;
    }
    io.err(describeFailure(error));
    if (!(error instanceof ConnectorError) && debugEnabled(io, args) && error instanceof Error && error.stack) io.err(error.stack);
    return 1;
  }
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

function debugEnabled(io: CliIo, args: readonly string[]): boolean {
  const flag = args.indexOf("--log-level");
  if (flag >= 0) return args[flag + 1] === "debug";
  if (args.includes("--log-level=debug")) return true;
  try {
    return logLevelFromEnv(io.env) === "debug";
  } catch {
    return false;
  }
}
