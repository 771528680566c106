import { createMemoryBackends } from "../backends/embedded/memory-backends.js";
import { ConnectorError } from "../errors.js";
import type { Backends } from "../ports/backends.js";

export type BackendKind = "embedded" | "aws" | "memory";

const KINDS: readonly BackendKind[] = ["embedded", "aws", "memory"];

/**
 * Which backends the environment asks for: SYNHEART_BACKEND (embedded | aws | memory) when set; otherwise AWS when
 * SYNHEART_DYNAMODB_TABLE is set; otherwise undefined (the caller's default).
 */
export function backendKindFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): BackendKind | undefined {
  const named = env.SYNHEART_BACKEND?.trim();
  if (named) return parseBackendKind(named, "SYNHEART_BACKEND");
  return env.SYNHEART_DYNAMODB_TABLE ? "aws" : undefined;
}

export function parseBackendKind(value: string, source: string): BackendKind {
  if ((KINDS as readonly string[]).includes(value)) return value as BackendKind;
  throw new ConnectorError("missing_setting", `${source} must be one of ${KINDS.join(", ")}, not "${value.slice(0, 40)}"`);
}

/**
 * The AWS backends (DynamoDB, SQS and KMS) from SYNHEART_DYNAMODB_TABLE, SYNHEART_SQS_QUEUE_URL and
 * SYNHEART_KMS_KEY_ID. The AWS backend module, and through it the SDK clients, is imported only here.
 */
export async function awsBackendsFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): Promise<Backends> {
  const aws = await import("../backends/aws/index.js");
  const backends = await aws.createAwsBackends(aws.awsBackendsConfigFromEnv(env as NodeJS.ProcessEnv));
  const { jobQueue, encryptor } = backends;
  if (!jobQueue || !encryptor) {
    throw new ConnectorError("missing_setting", "the AWS backends need SYNHEART_SQS_QUEUE_URL and SYNHEART_KMS_KEY_ID besides SYNHEART_DYNAMODB_TABLE");
  }
  return { ...backends, jobQueue, encryptor, close: async () => backends.close() };
}

/**
 * The backends of a Lambda, from its environment (see backendKindFromEnvironment):
 * - aws (or SYNHEART_DYNAMODB_TABLE set): DynamoDB, SQS and KMS.
 * - SYNHEART_BACKEND=memory: process memory, for smoke tests and cold-start measurements only (nothing survives).
 * The embedded SQLite backend is not available in a bundle (its driver is a native module).
 */
export async function backendsFromEnvironment(env: Readonly<Record<string, string | undefined>> = process.env): Promise<Backends> {
  const kind = backendKindFromEnvironment(env);
  if (kind === "aws") return awsBackendsFromEnvironment(env);
  if (kind === "memory") return createMemoryBackends();
  if (kind === "embedded") throw new ConnectorError("missing_setting", "SYNHEART_BACKEND=embedded is for `serve`; a Lambda bundle runs on aws (or memory, for tests only)");
  throw new ConnectorError("missing_setting", "set SYNHEART_DYNAMODB_TABLE (AWS backends) or SYNHEART_BACKEND=memory (tests only)");
}
