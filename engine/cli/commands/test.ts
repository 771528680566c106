import { parseArgs } from "node:util";
import { runFixtures } from "../../fixtures/runner.js";
import type { CliIo } from "../io.js";
import { loadVendorsForCommand } from "../load-vendors.js";

export const TEST_USAGE = `test [fixture files or folders...] [--vendors <manifest files or folders>]... [--quiet]
      run manifest fixtures (default vendors/fixtures) through the engine: each case's request (method, headers,
      body or bodyFile, settings, now, sourceIp; sign: true signs it as the vendor would) against its expected
      status, error code and events. Prints file:line and a diff for every failing case; exit 1 on any failure.
      --vendors   manifests to test against (default vendors/; repeatable)
      --quiet     print failures and the summary only`;

/** `test [paths]`: runs vendors/fixtures/<vendor>.yaml cases; exit 1 when any case fails. */
export async function testCommand(io: CliIo, args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { vendors: { type: "string", multiple: true }, quiet: { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.out(`usage: synheart-connector ${TEST_USAGE}`);
    return 0;
  }
  // Retired vendors too: their fixtures still describe what the manifest does.
  const { vendors } = await loadVendorsForCommand(io, { paths: values.vendors ?? [], allowRetired: true });
  const { results, skipped } = await runFixtures(positionals.length ? positionals : ["vendors/fixtures"], vendors);
  for (const result of results) {
    const where = `${result.file}:${result.line}`;
    if (result.ok) {
      if (!values.quiet) io.out(`ok    ${where} ${result.name}`);
      continue;
    }
    io.err(`FAIL  ${where} ${result.name}`);
    for (const line of result.differences) io.err(`        ${line}`);
  }
  for (const file of skipped) io.out(`skip  ${file} (no runner for this kind of fixture)`);
  const failed = results.filter((result) => !result.ok).length;
  const summary = `${results.length - failed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} file(s) skipped` : ""}`;
  if (results.length === 0) {
    io.err(`no fixture cases found${skipped.length ? ` (${skipped.length} file(s) skipped)` : ""}`);
    return 1;
  }
  (failed ? io.err : io.out)(summary);
  return failed ? 1 : 0;
}
