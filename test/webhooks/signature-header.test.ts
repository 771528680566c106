// Structured signature headers (Terra's and Stripe's `t=...,v1=...`): how the named fields are read.
import { describe, expect, it } from "vitest";
import { headerFields } from "../../engine/webhooks/signature-header.js";

const fields = (value: string, layout: { separator?: string; assign?: string } = {}) => Object.fromEntries(headerFields(value, { signature: "v1", ...layout }));

describe("headerFields", () => {
  it("gives each name every value it was sent with, in order, trimmed", () => {
    expect(fields("t=1723808700,v1=aa,v1=bb")).toEqual({ t: ["1723808700"], v1: ["aa", "bb"] });
    expect(fields(" t = 17 ,  v1= aa ")).toEqual({ t: ["17"], v1: ["aa"] });
  });

  it("keeps what follows the first assign as the value, and skips parts without a name or an assign", () => {
    expect(fields("v1=a=b")).toEqual({ v1: ["a=b"] });
    expect(fields("=x,plain,,v1=y,")).toEqual({ v1: ["y"] });
    expect(fields("")).toEqual({});
  });

  it("reads the manifest's separator and assign, several characters long included", () => {
    expect(fields("t:1; v1:a", { separator: ";", assign: ":" })).toEqual({ t: ["1"], v1: ["a"] });
    expect(fields("t=>1, v1=>a,b", { separator: ", ", assign: "=>" })).toEqual({ t: ["1"], v1: ["a,b"] });
    // An assign cut by the separator is not an assign of either part.
    expect(fields("a=,b", { separator: ",", assign: "=," })).toEqual({});
  });

  it("reads no more than 32 parts of a header", () => {
    const value = Array.from({ length: 40 }, (_, i) => `v1=${i}`).join(",");
    expect(fields(value).v1).toEqual(Array.from({ length: 32 }, (_, i) => String(i)));
  });
});
