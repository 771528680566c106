import { ConnectorError } from "../errors.js";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Fields of a log line: codes, ids, counts. Never tokens, secrets, request bodies or raw user ids. */
export type LogFields = Readonly<Record<string, unknown>>;

/** One JSON line: `{"time","level","message",...fields}`. */
export interface LogEntry extends LogFields {
  readonly time: string;
  readonly level: Exclude<LogLevel, "silent">;
  readonly message: string;
}

export interface Logger {
  readonly level: LogLevel;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Lines below this level are dropped. Default: SYNHEART_LOG_LEVEL, else info. */
  readonly level?: LogLevel;
  /** Where each line goes. Default: stdout, one JSON object per line. */
  readonly write?: (line: string) => void;
}

/** A logger writing JSON lines (stdout by default), filtered by level. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? logLevelFromEnv();
  const write = options.write ?? ((line: string) => void process.stdout.write(line + "\n"));
  const emit = (entryLevel: Exclude<LogLevel, "silent">) => (message: string, fields: LogFields = {}) => {
    if (rank[entryLevel] < rank[level]) return;
    try {
      write(JSON.stringify({ time: new Date().toISOString(), level: entryLevel, message, ...fields }));
    } catch {
      // A log line that cannot be written (closed stream, unserializable field) must not fail the caller.
    }
  };
  return { level, debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export const silentLogger: Logger = createLogger({ level: "silent", write: () => {} });

export function parseLogLevel(value: string, source = "SYNHEART_LOG_LEVEL"): LogLevel {
  const level = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  if (level === "warning") return "warn";
  throw new ConnectorError("configuration_invalid", `${source} must be one of ${LOG_LEVELS.join(", ")}, not "${value.slice(0, 32)}"`);
}

/** SYNHEART_LOG_LEVEL, or `info` when unset. */
export function logLevelFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): LogLevel {
  const value = env.SYNHEART_LOG_LEVEL;
  return value ? parseLogLevel(value) : "info";
}

export function levelEnabled(logger: Pick<Logger, "level">, level: Exclude<LogLevel, "silent">): boolean {
  return rank[level] >= rank[logger.level];
}

/**
 * What a log line may say about an error: a ConnectorError's code and message (written for operators, never holding a
 * secret); for any other error only its type, code and its cause's type, since its message is not ours to vouch for.
 * Never the error object itself (causes, requests, responses).
 */
export function errorFields(error: unknown): LogFields {
  if (error instanceof ConnectorError) return { errorCode: error.code, error: error.message };
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const cause = error.cause instanceof Error ? { cause: error.cause instanceof ConnectorError ? error.cause.code : error.cause.name } : {};
    return { errorName: error.name, ...(typeof code === "string" ? { errorCode: code } : {}), ...cause };
  }
  return { errorName: typeof error };
}
