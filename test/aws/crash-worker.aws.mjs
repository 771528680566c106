// A worker process on the SQS queue that is killed mid-job (worker-crash.aws.test.ts). Plain JS importing the esbuild
// bundle of crash-worker-entry.aws.ts; endpoint, region and credentials come from AWS_ENDPOINT_URL, AWS_REGION, ...
// Usage: node crash-worker.aws.mjs <bundle.mjs> <tableName> <queueUrl> <kmsKeyId> <visibilityTimeoutMs>
// Protocol: prints "took <event id> <receiveCount>" on stdout when its sink starts on a job; the sink never returns
// (the parent kills us).
import { pathToFileURL } from "node:url";

const [bundlePath, tableName, queueUrl, kmsKeyId, visibilityTimeoutMs] = process.argv.slice(2);
const { createAwsBackends, createConnectorEngine, createJobProcessor, createWorker, QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } =
  await import(pathToFileURL(bundlePath).href);

const backends = await createAwsBackends({ tableName, queueUrl, kmsKeyId });
const engine = createConnectorEngine({
  vendors: [queueTestVendor({ issuer: "http://127.0.0.1:9", apiUrl: "http://127.0.0.1:9" })],
  backends,
  credentials: { [QUEUE_VENDOR]: QUEUE_CREDENTIALS },
});
let receiveCount = 0;
const jobQueue = backends.jobQueue;
const queue = {
  // The engine's SQS queue, remembering the receive count of the job it hands out for the protocol line.
  enqueue: (events) => jobQueue.enqueue(events),
  ack: (receipt) => jobQueue.ack(receipt),
  extendVisibility: (receipt, timeoutMs) => jobQueue.extendVisibility(receipt, timeoutMs),
  release: (receipt, delayMs) => jobQueue.release(receipt, delayMs),
  async receive(options) {
    const jobs = await jobQueue.receive(options);
    if (jobs.length > 0) receiveCount = jobs[0].receiveCount;
    return jobs;
  },
};
const processor = createJobProcessor(engine, async ({ event }) => {
  process.stdout.write(`took ${event.id} ${receiveCount}\n`);
  await new Promise(() => {}); // a long job: still running when SIGKILL arrives
});
createWorker({
  queue,
  process: processor,
  concurrency: 1,
  visibilityTimeoutMs: Number(visibilityTimeoutMs),
  waitMs: 1_000,
  onQueueError: (error, operation) => process.stderr.write(`queue error (${operation}): ${error?.message ?? error}\n`),
}).start();
