import { expect, it } from "vitest";
import { rateLimitBuckets } from "../../engine/api/rate-limit-gate.js";

it("our buckets keep the vendor's rate with a burst a tenth below its limit (slack for requests that arrive bunched)", () => {
  const buckets = rateLimitBuckets("v", { windows: [{ limit: 50, periodSeconds: 1, per: "app" }, { limit: 100, periodSeconds: 60, per: "user" }, { limit: 5, periodSeconds: 1, per: "app" }] }, "u");
  expect(buckets.map((bucket) => bucket.windows)).toEqual([
    [
      { limit: 50, periodSeconds: 1, burst: 45 },
      { limit: 5, periodSeconds: 1, burst: 5 },
    ],
    [{ limit: 100, periodSeconds: 60, burst: 90 }],
  ]);
});
