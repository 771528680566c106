export { createWebhookProcessor, signWebhook } from "./processor.js";
export type { WebhookProcessor, WebhookProcessorOptions, WebhookResult, VerifiedWebhook, RejectedWebhook, SignOptions } from "./processor.js";
export type { WebhookRequest } from "./request.js";
export type { WebhookResponse } from "./handshake.js";
