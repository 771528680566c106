import type { SubscriptionCall, Subscriptions, Sync } from "./manifest.generated.js";

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
  for (const use of ["backfill", "poll", "reconciliation", "webhookSilence"] as const) {
    sync[use]?.streams?.forEach((name, i) => {
      if (!names.has(name)) findings.push({ path: ["sync", use, "streams", i], severity: "error", message: `no stream named "${name}"` });
    });
  }
  const silence = sync.webhookSilence;
  if (silence) {
    if (silence.appSeconds === undefined && silence.userSeconds === undefined) {
      findings.push({ path: ["sync", "webhookSilence"], severity: "error", message: "webhookSilence needs appSeconds, userSeconds or both (how long a silence is)" });
    }
    const modes = new Map(sync.streams.map((stream) => [stream.name, stream.mode ?? "pull"]));
    silence.streams?.forEach((name, i) => {
      if (modes.get(name) === "request") findings.push({ path: ["sync", "webhookSilence", "streams", i], severity: "error", message: `stream "${name}" asks the vendor to push (mode: request): it cannot be polled` });
    });
  }
  return findings;
}

/** Checks of `subscriptions`: expressions compile, placeholders exist, `enabledBy` names a declared setting. */
export function checkSubscriptions(subscriptions: Subscriptions, declaredSettings: ReadonlySet<string>, tools: SyncCheckTools): Finding[] {
  const findings: Finding[] = [];
  const allowed = [...tools.apiCallPlaceholders, "clientSecret", "item.*", "subscription.id"];
  const call = (value: SubscriptionCall | undefined, path: Path) => {
    if (!value) return;
    tools.template(value.path, [...path, "path"], allowed);
    tools.templatesInObject(value.query, [...path, "query"], allowed);
    tools.templatesInObject(value.form, [...path, "form"], allowed);
    tools.templatesInObject(value.json, [...path, "json"], allowed);
    tools.expression(value.success, [...path, "success"]);
  };
  const enabledBy = (setting: string | undefined, path: Path) => {
    if (setting !== undefined && !declaredSettings.has(setting)) findings.push({ path, severity: "error", message: `setting "${setting}" is not declared in "settings"` });
  };
  const { app, user } = subscriptions;
  if (app) {
    const path: Path = ["subscriptions", "app"];
    enabledBy(app.enabledBy, [...path, "enabledBy"]);
    tools.templatesInObject(app.headers, [...path, "headers"], ["clientId", "clientSecret", "settings.*"]);
    tools.template(app.key, [...path, "key"], ["item.*"]);
    call(app.list.request, [...path, "list", "request"]);
    for (const field of ["records", "key", "id", "expiresAt"] as const) tools.expression(app.list[field], [...path, "list", field]);
    call(app.create, [...path, "create"]);
    call(app.renew?.request, [...path, "renew", "request"]);
    call(app.delete, [...path, "delete"]);
  }
  if (user) {
    const path: Path = ["subscriptions", "user"];
    enabledBy(user.enabledBy, [...path, "enabledBy"]);
    call(user.create, [...path, "create"]);
    call(user.delete, [...path, "delete"]);
    call(user.renew?.request, [...path, "renew", "request"]);
    tools.expression(user.id, [...path, "id"]);
    tools.expression(user.expiresAt, [...path, "expiresAt"]);
    if (user.renew && !user.expiresAt) findings.push({ path: [...path, "renew"], severity: "error", message: "renew needs expiresAt (when each subscription expires)" });
  }
  return findings;
}
