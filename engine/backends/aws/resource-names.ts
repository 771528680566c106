import { configurationInvalid } from "../../errors.js";

// AWS naming rules, checked before any call so a bad name is one clear message instead of a ValidationException:
// DynamoDB tables 3-255 of [A-Za-z0-9_.-]; SQS queues 1-80 of [A-Za-z0-9_-] (FIFO: ending in .fifo, within the 80);
// KMS aliases "alias/" + 1-250 of [A-Za-z0-9/_-], never under the reserved "alias/aws/".

export function tableNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 255) return `table name must be 3 to 255 characters long (got ${name.length})`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return `table name "${shown(name)}" may only hold letters, digits, "_", "-" and "."`;
  return undefined;
}

export function queueNameProblem(name: string, what = "queue"): string | undefined {
  if (name.length < 1 || name.length > 80) return `${what} name must be 1 to 80 characters long, .fifo included (got ${name.length})`;
  const stem = name.endsWith(".fifo") ? name.slice(0, -".fifo".length) : name;
  if (!/^[A-Za-z0-9_-]+$/.test(stem)) return `${what} name "${shown(name)}" may only hold letters, digits, "-" and "_" (and end in .fifo for FIFO)`;
  return undefined;
}

export function kmsAliasProblem(alias: string): string | undefined {
  const full = alias.startsWith("alias/") ? alias : `alias/${alias}`;
  const rest = full.slice("alias/".length);
  if (rest.length < 1 || full.length > 256) return `KMS alias must be 1 to 250 characters after "alias/"`;
  if (!/^[A-Za-z0-9/_-]+$/.test(rest)) return `KMS alias "${shown(full)}" may only hold letters, digits, "/", "_" and "-"`;
  if (full.startsWith("alias/aws/")) return `KMS alias "${shown(full)}" is under the reserved prefix alias/aws/`;
  return undefined;
}

/** Throws ConnectorError("configuration_invalid") listing every bad name at once. */
export function checkResourceNames(names: { tableName?: string; queueName?: string; dlqName?: string; kmsKeyAlias?: string }): void {
  const problems = [
    names.tableName === undefined ? undefined : tableNameProblem(names.tableName),
    names.queueName === undefined ? undefined : queueNameProblem(names.queueName),
    names.dlqName === undefined ? undefined : queueNameProblem(names.dlqName, "dead-letter queue"),
    names.kmsKeyAlias === undefined ? undefined : kmsAliasProblem(names.kmsKeyAlias),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length > 0) throw configurationInvalid("invalid AWS resource names", problems);
}

function shown(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
