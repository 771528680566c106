// Prints the benchmark results as Markdown tables (README-ready), each figure with its change against the baseline.
// Deltas are information only: `npm run bench` never fails on them.

const pct = (now, before) => {
  if (typeof now !== "number" || typeof before !== "number" || before === 0) return "";
  const change = ((now - before) / before) * 100;
  return ` (${change >= 0 ? "+" : ""}${change.toFixed(0)}%)`;
};

function table(headers, rows) {
  const lines = [`| ${headers.join(" | ")} |`, `|${headers.map(() => "---").join("|")}|`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

export function renderReport(results, baseline) {
  const out = [];
  const m = results.machine;
  out.push(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os} (load average at start ${m.loadAverageAtStart.join(" ")}). ${results.date}${results.quick ? " (quick run)" : ""}`);
  if (baseline) out.push(`Deltas in parentheses: against bench/baseline.json (${baseline.date}, ${baseline.machine?.cpu}, ${baseline.machine?.cores} cores).`);

  if (results.webhookIngest) {
    const w = results.webhookIngest;
    const before = new Map((baseline?.webhookIngest?.vendors ?? []).map((v) => [v.vendor, v]));
    out.push(`\n### Webhook ingest in process (verify + replay check + dispatch + map), target <= ${w.target?.maxRatioToHmac ?? 4}x bare HMAC over what the vendor signs (CPU time; engine and HMAC alternate in slices; median of ${w.vendors[0]?.rounds ?? "?"} rounds). The essential pipeline: HMAC, its comparison, decode, parse, the body's SHA-256 and a Map insert, no events`);
    out.push(
      table(
        ["vendor", "scheme", "deliveries/s", "CPU us/delivery", "bare HMAC CPU us", "p50 us", "p99 us", "ratio to HMAC", "rounds (min-max)", "essential pipeline to HMAC", "engine to essential", "target met"],
        results.webhookIngest.vendors.map((v) => {
          const b = before.get(v.vendor);
          const spread = v.roundRatios ? `${Math.min(...v.roundRatios)}-${Math.max(...v.roundRatios)}x` : "";
          return [v.vendor, v.scheme, `${v.deliveriesPerSecond}${pct(v.deliveriesPerSecond, b?.deliveriesPerSecond)}`, v.cpuUs ?? "", v.hmacCpuUs ?? v.hmacMeanUs, `${v.p50Us}${pct(v.p50Us, b?.p50Us)}`, `${v.p99Us}${pct(v.p99Us, b?.p99Us)}`, `${v.ratioToHmac}x${pct(v.ratioToHmac, b?.ratioToHmac)}`, spread, v.essentialRatioToHmac === undefined ? "" : `${v.essentialRatioToHmac}x`, v.engineOverEssential === undefined ? "" : `${v.engineOverEssential}x`, v.ratioToHmac <= (w.target?.maxRatioToHmac ?? 4) ? "yes" : "no"];
        }),
      ),
    );
  }
  if (results.webhookBreakdown) {
    out.push("\n### Where a delivery's time goes (mean us per delivery, engine functions in isolation)");
    const stageNames = [...new Set(results.webhookBreakdown.vendors.flatMap((v) => Object.keys(v.stagesUs)))];
    out.push(table(["stage", ...results.webhookBreakdown.vendors.map((v) => v.vendor)], stageNames.map((stage) => [stage.trim().startsWith("of which") ? `&nbsp;&nbsp;${stage.trim()}` : stage, ...results.webhookBreakdown.vendors.map((v) => v.stagesUs[stage] ?? "")])));
  }
  if (results.preauthReject) {
    const p = results.preauthReject;
    const before = new Map((baseline?.preauthReject?.vendors ?? []).map((v) => [v.vendor, v]));
    out.push(`\n### CPU per rejected request: ${p.bodyBytes} byte unauthenticated body through the fetch handler (process.cpuUsage), target < ${p.targetMs} ms; bare HMAC-SHA256 over the body = ${p.floorHmacMs} ms`);
    out.push(
      table(
        ["vendor", "scheme", "statuses", "CPU ms/request", "ratio to HMAC", "target met"],
        p.vendors.map((v) => [v.vendor, v.scheme, v.statuses.join(", "), `${v.cpuMsPerRequest}${pct(v.cpuMsPerRequest, before.get(v.vendor)?.cpuMsPerRequest)}`, `${v.ratioToHmac}x`, v.targetMet === null ? "n/a (trust check passed)" : v.targetMet ? "yes" : "no"]),
      ),
    );
  }
  if (results.recordMapping) {
    const r = results.recordMapping;
    const before = new Map((baseline?.recordMapping?.vendors ?? []).map((v) => [v.vendor, v]));
    out.push(`\n### Normalized records: payload object to validated records (expressions, ids, schema validation) vs JSON.parse of the payload text, median of ${r.rounds} rounds, target <= 1x`);
    out.push(
      table(
        ["vendor", "cases", "records", "records/s (CPU)", "map us (CPU)", "JSON.parse us (CPU)", "ratio (CPU time)", "ratio (wall)", "expressions alone (CPU)", "target met"],
        (r.vendors ?? []).map((v) => [v.vendor, v.cases, v.records, v.recordsPerSecondCpu, v.mapCpuUs, v.parseCpuUs, `${v.ratioToParseCpu}x${before.has(v.vendor) ? ` (was ${before.get(v.vendor).ratioToParseCpu}x)` : ""}`, `${v.ratioToParse}x`, v.expressionRatioToParseCpu == null ? "" : `${v.expressionRatioToParseCpu}x`, v.ratioToParseCpu <= 1 ? "yes" : "no"]),
      ),
    );
    out.push(
      table(
        ["vendor", "case", "payload bytes", "records", "map us (CPU)", "JSON.parse us (CPU)", "ratio (CPU time)", "ratio (wall)"],
        r.cases.map((c) => [c.vendor, c.case, c.payloadBytes, c.recordsPerPayload, c.mapCpuUsPerPayload, c.parseCpuUsPerPayload, `${c.ratioToParseCpu}x`, `${c.ratioToParse}x`]),
      ),
    );
  }
  if (results.tokenReads) {
    const before = new Map((baseline?.tokenReads?.results ?? []).map((r) => [r.backend, r]));
    out.push("\n### Token read path: TokenService.getUserTokens");
    out.push(
      table(
        ["backend", "reads/s", "p50 us", "p99 us", "store calls/read", "KMS calls/read", "first read of a user: KMS calls"],
        results.tokenReads.results.map((r) => {
          const b = before.get(r.backend);
          return [r.backend, `${r.readsPerSecond}${pct(r.readsPerSecond, b?.readsPerSecond)}`, r.p50Us, r.p99Us, r.storeCallsPerRead, r.kmsCallsPerRead, r.coldFirstRead?.kmsCallsPerRead ?? "-"];
        }),
      ),
    );
  }
  if (results.coldStart) {
    const c = results.coldStart;
    const before = new Map((baseline?.coldStart?.targets ?? []).map((t) => [t.name, t]));
    out.push(`\n### Cold start: process start to first verified event, all shipped manifests (median of ${c.runs}); bare \`node -e 0\` = ${c.bareNodeMs} ms`);
    out.push(table(["build", "median ms", "ratio to bare node"], c.targets.map((t) => [t.name, `${t.medianMs}${pct(t.medianMs, before.get(t.name)?.medianMs)}`, `${t.ratioToBareNode}x`])));
    if (c.target?.maxLambdaBundleRatio) out.push(`Target for the \`build\` bundles: <= ${c.target.maxLambdaBundleRatio}x bare node.`);
  }
  if (results.httpIngest) {
    const h = results.httpIngest;
    const b = baseline?.httpIngest;
    out.push(
      `\n### HTTP ingest against the floor: autocannon, ${h.connections} connections, ${h.amount} signed WHOOP deliveries per run, ${h.rounds} alternating runs each (medians); both commit with synchronous = FULL`,
    );
    const row = (name, side, before) => {
      const stored = side.runs.reduce((sum, run) => sum + run.enqueued, 0);
      const accepted = side.runs.reduce((sum, run) => sum + run.accepted, 0);
      const failed = side.runs.reduce((sum, run) => sum + run.non2xx + run.errors + run.timeouts, 0);
      return [name, `${side.requestsPerSecond}${pct(side.requestsPerSecond, before?.requestsPerSecond)}`, side.p50Ms, `${side.p99Ms}${pct(side.p99Ms, before?.p99Ms)}`, accepted, failed, stored, side.exactlyOnce ? "yes" : "NO"];
    };
    out.push(
      table(
        ["server", "requests/s", "p50 ms", "p99 ms", "2xx", "not 2xx", "events in queue", "every 2xx stored exactly once"],
        [row("engine: node:http + fetch handler + embedded SQLite (group commit)", h.engine, b?.engine), row("floor: bench/floor/http-floor.mjs (one transaction per request)", h.floor, b?.floor)],
      ),
    );
    const r = h.ratios;
    const t = h.target;
    out.push(
      `engine/floor: requests/s ${r.requestsPerSecond}x (target >= ${t.minRequestsPerSecondRatio}: ${r.requestsPerSecond >= t.minRequestsPerSecondRatio ? "met" : "NOT met"}), p50 ${r.p50}x, p99 ${r.p99}x (target <= ${t.maxP99Ratio}: ${r.p99 <= t.maxP99Ratio ? "met" : "NOT met"})`,
    );
  }
  if (results.rateLimit) {
    out.push("\n### Rate limiter shared by worker processes against a vendor API enforcing the limit (aim: >= 95% utilisation, 0 429s)");
    out.push(
      table(
        ["limiter", "limit/s", "workers x loops", "seconds", "accepted", "achieved/s", "utilisation", "429s"],
        results.rateLimit.map((r) => [r.limiter, r.limitPerSecond, `${r.workers} x ${r.loopsPerWorker}`, r.durationSeconds, r.accepted, r.achievedPerSecond, `${(r.utilisation * 100).toFixed(1)}%`, r.tooManyRequests]),
      ),
    );
  }
  if (results.syncBackfill) {
    const r = results.syncBackfill;
    out.push("\n### Backfill through the rate limiter against a vendor API enforcing the limit (aim: >= 95% utilisation, 0 429s)");
    out.push(
      table(
        ["limiter", "limit/s", "days", "window jobs at once", "seconds", "records", "records/s", "requests/s", "utilisation", "429s"],
        [[r.limiter, r.limitPerSecond, r.days, r.concurrency, r.seconds, `${r.records}/${r.expectedRecords}`, r.recordsPerSecond, r.achievedPerSecond, `${(r.utilisation * 100).toFixed(1)}%`, r.tooManyRequests]],
      ),
    );
  }
  return out.join("\n");
}

export function printReport(results, baseline) {
  process.stdout.write(`${renderReport(results, baseline)}\n`);
}
