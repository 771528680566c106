import { createMemoryBackends } from "../backends/embedded/memory-backends.js";
import { ConnectorError } from "../errors.js";
import type { Backends } from "../ports/backends.js";

/**
 * The backends of a Lambda, from its environment:
 * - SYNHEART_DYNAMODB_TABLE (+ SYNHEART_SQS_QUEUE_URL, SYNHEART_KMS_KEY_ID): DynamoDB, SQS and KMS. The AWS backend
 *   module, and through it the SDK clients, is imported only in this branch.
 * - SYNHEART_BACKEND=memory: process memory, for smoke tests and cold-start measurements only (nothing survives).
 */
export async function backendsFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): Promise<Backends> {
  if (env.SYNHEART_DYNAMODB_TABLE) {
    const aws = await import("../backends/aws/index.js");
    const backends = await aws.createAwsBackends(aws.awsBackendsConfigFromEnv(env as NodeJS.ProcessEnv));
    const { jobQueue, encryptor } = backends;
    if (!jobQueue || !encryptor) {
      throw new ConnectorError("missing_setting", "the HTTP handler needs SYNHEART_SQS_QUEUE_URL and SYNHEART_KMS_KEY_ID besides SYNHEART_DYNAMODB_TABLE");
    }
    return { ...backends, jobQueue, encryptor, close: async () => backends.close() };
  }
  if (env.SYNHEART_BACKEND === "memory") return createMemoryBackends();
  throw new ConnectorError("missing_setting", "set SYNHEART_DYNAMODB_TABLE (AWS backends) or SYNHEART_BACKEND=memory (tests only)");
}
