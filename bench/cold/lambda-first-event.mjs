// Cold start of the `synheart-connector build` Lambda bundle: process start -> import the bundle -> one API Gateway
// v2 invocation carrying a signed WHOOP delivery -> 200, then exit. Memory backends (SYNHEART_BACKEND=memory, the
// bundle's measurement mode); credentials from the environment as in a real function.
const { handler } = await import(process.env.BENCH_LAMBDA_BUNDLE);
const request = JSON.parse(process.env.BENCH_REQUEST);
const result = await handler({
  version: "2.0",
  rawPath: "/webhooks/whoop",
  headers: { "content-type": "application/json", ...request.headers },
  body: request.rawBody,
  isBase64Encoded: false,
  requestContext: { domainName: "bench.lambda-url.invalid", http: { method: "POST", sourceIp: "203.0.113.7" } },
});
if (result.statusCode !== 200) {
  process.stderr.write(`first event not accepted: ${result.statusCode} ${result.body}\n`);
  process.exit(2);
}
