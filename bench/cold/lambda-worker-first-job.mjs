// Cold start of the `synheart-connector build --target worker` bundle: process start -> import the bundle -> one SQS
// event with one job (a WHOOP sleep.updated push event, as SqsJobQueue sends it) -> a batch answer with no failures,
// then exit. Memory backends (SYNHEART_BACKEND=memory): the user has no connection there, so the job ends as skipped
// after the engine is created, the job decoded and the connection looked up; the sink is bundled but not called.
const { handler } = await import(process.env.BENCH_WORKER_BUNDLE);
const body = JSON.stringify({
  event: { id: "whoop-cold-1", vendor: "whoop", type: "sleep.updated", userId: "10129", delivery: "push", data: { cold: true } },
  enqueuedAt: Date.now(),
});
const result = await handler({
  Records: [
    {
      messageId: "cold-1",
      receiptHandle: "cold-1",
      body,
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:synheart-jobs",
      awsRegion: "us-east-1",
    },
  ],
});
if (result.batchItemFailures.length !== 0) {
  process.stderr.write(`first job failed: ${JSON.stringify(result)}\n`);
  process.exit(2);
}
