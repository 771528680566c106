import { afterAll } from "vitest";
import { createEmbeddedBackends } from "../../engine/backends/embedded/backends.js";
import { createMemoryBackends } from "../../engine/backends/embedded/memory-backends.js";
import { makeTempDirectory } from "../embedded/temp-directory.js";
import { describeUserSubscriptionRenewal } from "./support/user-renewal-scenario.js";

const directory = makeTempDirectory("synheart-renewal-");
afterAll(() => directory.remove());

describeUserSubscriptionRenewal("memory", (clock) => createMemoryBackends({ clock }));
describeUserSubscriptionRenewal("SQLite", (clock) => createEmbeddedBackends({ directory: directory.path, clock, env: {} }));
