import { ConnectorError } from "../errors.js";
import { initAwsCommand } from "./commands/init-aws.js";
import { signWebhookCommand } from "./commands/sign-webhook.js";
import { TEST_USAGE, testCommand } from "./commands/test.js";
import { VALIDATE_USAGE, validateCommand } from "./commands/validate.js";
import { vendorsCommand } from "./commands/vendors.js";
import { verifyWebhookCommand } from "./commands/verify-webhook.js";
import { processIo, UsageError, type CliIo } from "./io.js";

type Command = (io: CliIo, args: readonly string[]) => Promise<number>;

const commands: Record<string, { run: Command; usage: string }> = {
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  vendors: { run: vendorsCommand, usage: "vendors [files or folders...]           list vendors and their event types" },
  "sign-webhook": {
    run: signWebhookCommand,
    usage:
      "sign-webhook <vendor> --body <file> [--secret <secret>] [--setting name=value]... [--client-id <id>] [--timestamp <t>] [--id <id>]\n" +
      "      [--private-key <pem file>] [--vendors <manifests>]...   print the headers the vendor would send (asymmetric schemes sign with --private-key)",
  },
  // serve and build pull in the HTTP handlers and esbuild: loaded only when they run.
  serve: {
    run: async (io, args) => (await import("./commands/serve.js")).serveCommand(io, args),
    usage:
      "serve [--port 8787] [--backend embedded|aws] [--vendors vendors] [--sandbox] [--demo] [--allow-retired] [--env-file .env] [--data .synheart]\n      run the HTTP server and the worker (embedded SQLite, or AWS); --sandbox --demo shows the whole flow",
  },
  "connect-link": {
    run: async (io, args) => (await import("./commands/connect-link.js")).connectLinkCommand(io, args),
    usage: "connect-link <vendor> <userId> [--ttl 3600] [--origin url] [--data .synheart]\n      print a signed link that starts a connection for the user (the key serve uses)",
  },
  build: {
    run: async (io, args) => (await import("./commands/build.js")).buildCommand(io, args),
    usage:
      "build [--target http|worker|all] [--sink ./sink.js] [--vendors vendors] [--out dist-lambda] [--allow-retired] [--minify]\n      validate manifests and bundle the Lambda HTTP handler and/or the SQS worker with them embedded",
  },
  "init-aws": {
    run: initAwsCommand,
    usage: "init-aws --table <name> [--queue <name>] [--max-receives <n>] [--kms-alias <alias>]   create the AWS resources",
  },
  sync: { run: async (io, args) => (await import("./commands/sync.js")).syncCommand(io, args), usage: "sync <vendor> <userId> [--since 30d] [--stream <name>] [--status]   read a user's streams now, or show sync status" },
  subscriptions: {
    run: async (io, args) => (await import("./commands/subscriptions.js")).subscriptionsCommand(io, args),
    usage: "subscriptions sync [--dry-run] [--prune] [--vendor <id>]   create and renew the vendors' app-level webhook subscriptions",
  },
  "verify-webhook": {
    run: verifyWebhookCommand,
    usage:
      "verify-webhook <vendor> [--headers <json file>] [--body <file>] [--secret <secret>] [--setting name=value]... [--client-id <id>]\n" +
      "      [--method POST] [--url <path?query>] [--now <t>] [--source-ip <ip>] [--vendors <manifests>]...\n" +
      "      run the engine's own handshake, verification (the vendor's hooks included), replay check and mapping on one\n" +
      "      request; prints the events or the handshake answer (exit 0), or the error code and reason (exit 2)",
  },
  test: { run: testCommand, usage: TEST_USAGE },
};

export function registerCommand(name: string, run: Command, usage: string): void {
  commands[name] = { run, usage };
}

function usage(): string {
  return ["usage: synheart-connector <command>", "", ...Object.values(commands).map((c) => `  ${c.usage}`)].join("\n");
}

/** Runs the CLI and returns its exit code: 0 ok, 1 invalid manifests or usage, 2 a rejected webhook. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(usage());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    io.err(`unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  try {
    return await command.run(io, args);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      io.err(`${(error as Error).message}\n\nusage: synheart-connector ${command.usage}`);
      return 1;
    }
    if (error instanceof ConnectorError) {
      io.err(`${error.code}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
