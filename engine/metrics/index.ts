export { METER_NAME, instruments } from "./instruments.js";
export type { ConnectorInstruments } from "./instruments.js";
export { observeQueueDepth, hasQueueDepth } from "./queue-depth.js";
export type { QueueDepth, QueueDepthSource } from "./queue-depth.js";
export { observeRefreshes } from "./refresh-observer.js";
