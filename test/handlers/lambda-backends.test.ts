import { describe, expect, it } from "vitest";
import { backendKindFromEnvironment, backendsFromEnvironment } from "../../engine/handlers/lambda-backends.js";

describe("backends chosen from the environment", () => {
  it("SYNHEART_BACKEND wins; SYNHEART_DYNAMODB_TABLE alone means aws; nothing set leaves the caller's default", () => {
    expect(backendKindFromEnvironment({ SYNHEART_BACKEND: "embedded", SYNHEART_DYNAMODB_TABLE: "t" })).toBe("embedded");
    expect(backendKindFromEnvironment({ SYNHEART_BACKEND: "aws" })).toBe("aws");
    expect(backendKindFromEnvironment({ SYNHEART_DYNAMODB_TABLE: "t" })).toBe("aws");
    expect(backendKindFromEnvironment({})).toBeUndefined();
    expect(() => backendKindFromEnvironment({ SYNHEART_BACKEND: "sqlite" })).toThrow(/embedded, aws, memory/);
  });

  it("a Lambda bundle refuses embedded and an empty environment with a typed error", async () => {
    await expect(backendsFromEnvironment({ SYNHEART_BACKEND: "embedded" })).rejects.toMatchObject({ code: "missing_setting" });
    await expect(backendsFromEnvironment({})).rejects.toMatchObject({ code: "missing_setting", message: expect.stringContaining("SYNHEART_DYNAMODB_TABLE") });
    const memory = await backendsFromEnvironment({ SYNHEART_BACKEND: "memory" });
    await memory.tokenStore.ping();
    await memory.close();
  });
});
