import { parseArgs } from "node:util";
import { createLogger, LOG_LEVELS, logLevelFromEnv, parseLogLevel, type Logger, type LogLevel } from "../logging/logger.js";
import type { CliIo } from "./io.js";

/** One flag of a command, with the help text `--help` prints. */
export interface CliOption {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly short?: string;
  readonly default?: string | boolean;
  /** Placeholder of the value in help, e.g. `<file>`. */
  readonly value?: string;
  readonly description: string;
}

/**
 * One entry of the CLI's command table. `run` gets the arguments after the command name (`--help` never reaches it).
 * A command with `subcommands` dispatches on its next argument instead (`connections list`, `jobs dlq redrive`).
 */
export interface CliCommand {
  /** One line for the command list. */
  readonly summary: string;
  /** Positionals after the command name, e.g. `<vendor> [user id]`; options are listed from `options`. */
  readonly usage?: string;
  readonly options?: Readonly<Record<string, CliOption>>;
  /** More help text, printed after the options. */
  readonly details?: string;
  readonly run?: (io: CliIo, args: readonly string[]) => Promise<number>;
  readonly subcommands?: Readonly<Record<string, CliCommand>>;
}

/** Flags every command takes. */
export const commonOptions = {
  "log-level": {
    type: "string",
    value: "<level>",
    description: `${LOG_LEVELS.join(" | ")}; default SYNHEART_LOG_LEVEL or info`,
  },
  help: { type: "boolean", short: "h", description: "show this help" },
} as const satisfies Record<string, CliOption>;

/** Parses a command's arguments against its table entry (plus the common flags); unknown flags are usage errors. */
export function parseCommandArgs(command: CliCommand, args: readonly string[], allowPositionals = command.usage !== undefined && command.usage !== "") {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string; default?: string | boolean }> = {};
  for (const [name, option] of Object.entries<CliOption>({ ...command.options, ...commonOptions })) {
    options[name] = {
      type: option.type,
      ...(option.multiple ? { multiple: true } : {}),
      ...(option.short ? { short: option.short } : {}),
      ...(option.default !== undefined ? { default: option.default } : {}),
    };
  }
  const parsed = parseArgs({ args: [...args], options, allowPositionals, strict: true }) as {
    values: Record<string, string | boolean | string[] | undefined>;
    positionals: string[];
  };
  // Checked for every command, whether or not it logs, so a typo is never silently ignored.
  if (typeof parsed.values["log-level"] === "string") parseLogLevel(parsed.values["log-level"], "--log-level");
  return parsed;
}

/** `--log-level`, else SYNHEART_LOG_LEVEL, else info. */
export function commandLogLevel(io: CliIo, values: Record<string, unknown>): LogLevel {
  const flag = values["log-level"];
  return typeof flag === "string" ? parseLogLevel(flag, "--log-level") : logLevelFromEnv(io.env);
}

/** JSON lines to the command's stdout, filtered by level. Human text goes to stderr through `io.err`. */
export function commandLogger(io: CliIo, values: Record<string, unknown>): Logger {
  return createLogger({ level: commandLogLevel(io, values), write: io.out });
}

export function commandHelp(path: string, command: CliCommand): string {
  const lines = [`usage: synheart-connector ${path}${command.subcommands ? " <subcommand>" : ""}${command.usage ? ` ${command.usage}` : ""}${command.run ? " [options]" : ""}`, "", command.summary];
  if (command.subcommands) {
    lines.push("", "subcommands:");
    const width = Math.max(...Object.keys(command.subcommands).map((name) => name.length));
    for (const [name, sub] of Object.entries(command.subcommands)) lines.push(`  ${name.padEnd(width)}  ${sub.summary}`);
    lines.push("", `Run \`synheart-connector ${path} <subcommand> --help\` for its options.`);
  }
  if (command.run) {
    lines.push("", "options:");
    const entries = Object.entries<CliOption>({ ...command.options, ...commonOptions }).map(([name, option]) => {
      const flag = `${option.short ? `-${option.short}, ` : ""}--${name}${option.type === "string" ? ` ${option.value ?? "<value>"}` : ""}`;
      const extras = [
        option.multiple ? "repeatable" : "",
        option.default !== undefined && option.default !== false ? `default ${String(option.default)}` : "",
      ].filter(Boolean);
      return [flag, `${option.description}${extras.length ? ` (${extras.join("; ")})` : ""}`] as const;
    });
    const width = Math.max(...entries.map(([flag]) => flag.length));
    for (const [flag, description] of entries) lines.push(`  ${flag.padEnd(width)}  ${description}`);
  }
  if (command.details) lines.push("", command.details);
  return lines.join("\n");
}

/** True when the arguments (before a `--`) ask for help. */
export function asksForHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}
