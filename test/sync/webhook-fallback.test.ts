import { afterAll } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { makeTempDirectory } from "../embedded/temp-directory.js";
import { describeWebhookFallback } from "./support/webhook-fallback-scenario.js";

const directory = makeTempDirectory("synheart-silence-");
afterAll(() => directory.remove());

describeWebhookFallback("memory", (clock) => createMemoryBackends({ clock }));
describeWebhookFallback("SQLite", (clock) => createEmbeddedBackends({ directory: directory.path, clock, env: {} }));
