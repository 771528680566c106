export * from "./support.js";
export { describeTokenStoreContract } from "./token-store.contract.js";
export { describePendingAuthorizationStoreContract } from "./pending-authorization-store.contract.js";
export { describeReplayCacheContract } from "./replay-cache.contract.js";
export { describeLeaseManagerContract } from "./lease-manager.contract.js";
export { describeRateLimiterContract } from "./rate-limiter.contract.js";
export { describeJobQueueContract, type JobQueueHarnessExtras } from "./job-queue.contract.js";
export { describeEncryptorContract, type EncryptorHarnessExtras } from "./encryptor.contract.js";
export { describeDeadLetterQueueContract, type DeadLetterQueueHarnessExtras } from "./dead-letter-queue.contract.js";
