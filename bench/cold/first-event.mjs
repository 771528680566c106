// Cold start: process start -> every shipped manifest loaded -> first webhook verified, then exit.
// BENCH_ENGINE_MODULE exports loadConnectorEngine and createBackends (the plain build or a bundle);
// BENCH_REQUEST is a signed WHOOP delivery, BENCH_CREDENTIALS the credentials of every vendor.
const engineModule = await import(process.env.BENCH_ENGINE_MODULE);
const engine = await engineModule.loadConnectorEngine({
  vendorPaths: [process.env.BENCH_VENDORS_DIR],
  allowRetired: true,
  credentials: JSON.parse(process.env.BENCH_CREDENTIALS),
  backends: engineModule.createBackends(),
});
const request = JSON.parse(process.env.BENCH_REQUEST);
const result = await engine.verifyAndParse("whoop", { ...request, rawBody: Buffer.from(request.rawBody, "utf8") });
if (!result.ok || result.events.length !== 1) {
  process.stderr.write(`first event not verified: ${JSON.stringify(result.ok ? result.events : result.error)}\n`);
  process.exit(2);
}
