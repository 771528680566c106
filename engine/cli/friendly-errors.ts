import { ConnectorError } from "../errors.js";

interface SystemErrorShape {
  code?: unknown;
  path?: unknown;
  port?: unknown;
  address?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/**
 * One line (or a few, for a list of problems) saying what went wrong and what to do, instead of a stack trace:
 * a ConnectorError by its code, a missing file by its path, a busy port by its number.
 */
export function describeFailure(error: unknown): string {
  if (error instanceof ConnectorError) return `error: ${error.code}: ${error.message}`;
  const shape = (typeof error === "object" && error !== null ? error : {}) as SystemErrorShape;
  const path = typeof shape.path === "string" ? shape.path : undefined;
  switch (shape.code) {
    case "ENOENT":
      return `error: no such file or folder: ${path ?? "(unknown path)"}`;
    case "EISDIR":
      return `error: ${path ?? "the path"} is a folder; a file was expected`;
    case "ENOTDIR":
      return `error: ${path ?? "a path"}: a part of the path is not a folder`;
    case "EACCES":
    case "EPERM":
      if (shape.syscall === "listen") return `error: not allowed to listen on port ${String(shape.port ?? "?")}; ports below 1024 need privileges: pick another with --port`;
      return `error: permission denied: ${path ?? "(unknown path)"}`;
    case "EADDRINUSE":
      return `error: port ${String(shape.port ?? "?")} on ${String(shape.address ?? "the host")} is already in use; stop the other process or pick another with --port`;
    case "EADDRNOTAVAIL":
      return `error: cannot listen on ${String(shape.address ?? "that address")}: it is not an address of this machine; check --host`;
    default:
      break;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message.split("\n")[0]!.slice(0, 500)} (run with --log-level debug for details)`;
}
