// What the SQS crash test's child process runs (worker-crash.aws.test.ts): bundled by esbuild into one ESM file with
// the packages (the AWS SDK among them) left external, because Node 20 cannot load .ts. No test-runner imports here.
export { createAwsBackends } from "../../engine/backends/aws/create-aws-backends.js";
export { createConnectorEngine } from "../../engine/connector-engine.js";
export { createJobProcessor, createWorker } from "../../engine/queue/index.js";
export { QUEUE_CREDENTIALS, QUEUE_VENDOR, queueTestVendor } from "../queue/support/test-vendor.js";
