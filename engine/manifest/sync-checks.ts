import type { Sync } from "./manifest.generated.js";

type Path = (string | number)[];

export interface SyncCheckTools {
  readonly expression: (source: string | undefined, path: Path) => void;
  readonly template: (source: string | undefined, path: Path, allowed: readonly string[]) => void;
  readonly templatesInObject: (value: unknown, path: Path, allowed: readonly string[]) => void;
  readonly apiCallPlaceholders: readonly string[];
}

interface Finding {
  readonly path: Path;
  readonly message: string;
  readonly severity: "error" | "warning";
}

const WINDOW = ["window.start", "window.end"];

/** Checks of `sync` below the schema's reach: expressions, placeholders, stream names the uses refer to. */
export function checkSync(sync: Sync, tools: SyncCheckTools): Finding[] {
  const findings: Finding[] = [];
  const allowed = [...tools.apiCallPlaceholders, ...WINDOW];
  const names = new Set<string>();
  sync.streams.forEach((stream, i) => {
    const path: Path = ["sync", "streams", i];
    if (names.has(stream.name)) findings.push({ path: [...path, "name"], severity: "error", message: `stream "${stream.name}" is declared twice` });
    names.add(stream.name);
    tools.template(stream.request.path, [...path, "request", "path"], allowed);
    tools.templatesInObject(stream.request.query, [...path, "request", "query"], allowed);
    tools.templatesInObject(stream.request.form, [...path, "request", "form"], allowed);
    tools.expression(stream.request.success, [...path, "request", "success"]);
    tools.expression(stream.records, [...path, "records"]);
    tools.expression(stream.recordId, [...path, "recordId"]);
    tools.expression(stream.cursor, [...path, "cursor"]);
    if (stream.pagination?.type === "token") tools.expression(stream.pagination.next, [...path, "pagination", "next"]);
    if (stream.request.form && stream.request.method !== "POST") {
      findings.push({ path: [...path, "request", "form"], severity: "error", message: "a form body needs method POST" });
    }
    if ((stream.mode ?? "pull") === "pull") {
      if (!stream.records) findings.push({ path, severity: "error", message: "a pull stream needs `records` (which part of the response holds them)" });
      if (!stream.recordId) findings.push({ path, severity: "error", message: "a pull stream needs `recordId` (records are de-duplicated by it)" });
    } else if (stream.pagination) {
      findings.push({ path: [...path, "pagination"], severity: "error", message: "a request stream reads no records, so it has no pages" });
    }
  });
  for (const use of ["backfill", "poll", "reconciliation"] as const) {
    sync[use]?.streams?.forEach((name, i) => {
      if (!names.has(name)) findings.push({ path: ["sync", use, "streams", i], severity: "error", message: `no stream named "${name}"` });
    });
  }
  return findings;
}
