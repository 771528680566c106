#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self and inclusive time per function, with file:line.
// Usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [top=30] [filter]
import { readFileSync } from "node:fs";

export function summarizeProfile(path, { top = 30, filter } = {}) {
  const profile = JSON.parse(readFileSync(path, "utf8"));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfTicks = new Map();
  for (const sample of profile.samples) selfTicks.set(sample, (selfTicks.get(sample) ?? 0) + 1);
  const total = profile.samples.length;
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url ? url.replace(/^file:\/\//, "").replace(/.*node_modules\//, "node_modules/").replace(/.*\/synheart-bench\//, "") : "";
    return `${functionName || "(anonymous)"} ${file ? `${file}:${lineNumber + 1}` : ""}`.trim();
  };
  const self = new Map();
  const inclusive = new Map();
  for (const [id, ticks] of selfTicks) {
    const node = byId.get(id);
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + ticks);
    const seen = new Set();
    for (let current = id; current !== undefined; current = parent.get(current)) {
      const key = label(byId.get(current));
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ticks);
    }
  }
  const rows = (map) =>
    [...map]
      .filter(([name]) => !filter || name.includes(filter))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ticks]) => ({ pct: Math.round((ticks / total) * 1000) / 10, name }));
  return { samples: total, self: rows(self), inclusive: rows(inclusive) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, top, filter] = process.argv.slice(2);
  const summary = summarizeProfile(path, { top: Number(top ?? 30), filter });
  console.log(`samples: ${summary.samples}\n-- self --`);
  for (const row of summary.self) console.log(`${String(row.pct).padStart(5)}%  ${row.name}`);
  console.log("-- inclusive --");
  for (const row of summary.inclusive) console.log(`${String(row.pct).padStart(5)}%  ${row.name}`);
}
