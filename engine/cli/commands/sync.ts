import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createEmbeddedBackends } from "../../backends/embedded/backends.js";
import { appendDeliveryLine } from "../../handlers/delivery-log.js";
import { loadConnectorEngine } from "../../load-engine.js";
import { createJobProcessor, processAvailableJobs } from "../../queue/index.js";
import type { StreamStatus } from "../../sync/sync-service.js";
import { UsageError, type CliIo } from "../io.js";
import { withEnvFile } from "./serve.js";

/**
 * `sync`: an on-demand run for one user on the embedded backends, processed in this process until it completes, with
 * a progress line on a terminal. `--status` prints, as JSON, each stream's checkpoint, running and last runs
 * (`streams`) and, for a vendor watching its webhooks for silence, what the schedule knows of them (`webhooks`).
 */
export async function syncCommand(io: CliIo, args: readonly string[], isTty = Boolean(process.stdout.isTTY)): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      since: { type: "string" },
      stream: { type: "string", multiple: true },
      status: { type: "boolean", default: false },
      vendors: { type: "string", multiple: true },
      data: { type: "string", default: ".synheart" },
      "env-file": { type: "string", default: ".env" },
    },
    allowPositionals: true,
  });
  const [vendorId, userId, ...extra] = positionals;
  if (!vendorId || !userId || extra.length > 0) throw new UsageError("sync needs a vendor and a user id");
  const env = withEnvFile(io.env, resolve(io.cwd, values["env-file"]));
  const directory = resolve(io.cwd, values.data);
  const backends = createEmbeddedBackends({ directory, env });
  try {
    const engine = await loadConnectorEngine({ vendorPaths: (values.vendors ?? []).map((path) => resolve(io.cwd, path)), backends, env });
    if (values.status) {
      const [streams, webhooks] = await Promise.all([engine.sync.status(vendorId, userId), engine.sync.webhookStatus(vendorId, userId)]);
      io.out(JSON.stringify({ streams, ...(webhooks ? { webhooks } : {}) }, null, 2));
      return 0;
    }
    const since = values.since === undefined ? undefined : parseSince(values.since, Date.now());
    const { runId } = await engine.sync.start(vendorId, userId, {
      purpose: "on_demand",
      ...(values.stream ? { streams: values.stream } : {}),
      ...(since === undefined ? {} : { since }),
    });
    const deliveries = join(directory, "deliveries.jsonl");
    const processJob = createJobProcessor(engine, (delivery) => appendDeliveryLine(deliveries, delivery));
    const runOf = (statuses: readonly StreamStatus[]) =>
      statuses.map((status) => ({ stream: status.stream, running: status.running.find((run) => run.runId === runId), last: status.last.on_demand }));

    for (;;) {
      const drained = await processAvailableJobs(backends.jobQueue, processJob, { concurrency: 2 });
      const failed = drained.reports.find((report) => report.result === "failed");
      const runs = runOf(await engine.sync.status(vendorId, userId));
      const running = runs.filter((run) => run.running);
      if (isTty) {
        const done = running.reduce((sum, run) => sum + (run.running?.windowsDone ?? 0), 0);
        const total = running.reduce((sum, run) => sum + (run.running?.windows ?? 0), 0);
        process.stdout.write(progressLine(done, total, runs.reduce((sum, run) => sum + (run.running?.records ?? (run.last?.runId === runId ? run.last.records : 0)), 0)));
      }
      if (failed && failed.result === "failed") {
        if (isTty) process.stdout.write("\n");
        const code = (failed.error as { code?: string }).code;
        io.err(`sync failed: ${code ?? "error"}: ${(failed.error as Error).message} (the job stays queued and is retried)`);
        return 1;
      }
      if (running.length === 0 && drained.reports.length === 0) break;
      if (drained.reports.length === 0) await new Promise((resolveWait) => setTimeout(resolveWait, 200));
    }
    if (isTty) process.stdout.write("\n");
    for (const run of runOf(await engine.sync.status(vendorId, userId))) {
      if (run.last?.runId === runId) io.out(`${run.stream}: ${run.last.records} new records, ${run.last.from} to ${run.last.to}`);
    }
    io.out(`records appended to ${deliveries}`);
    return 0;
  } finally {
    await backends.close();
  }
}

function progressLine(done: number, total: number, records: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} windows, ${records} records`;
}

/** An ISO date or time, or a span back from now: 30d, 12h. */
export function parseSince(text: string, now: number): number {
  const span = /^(\d{1,5})([dh])$/.exec(text);
  if (span) return now - Number(span[1]) * (span[2] === "d" ? 86_400_000 : 3_600_000);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed) || parsed >= now) throw new UsageError(`--since must be a past ISO date or a span like 30d, not "${text.slice(0, 40)}"`);
  return parsed;
}
