// The form shortcuts must read and write exactly what URLSearchParams does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formEncode, parseForm } from "../../engine/webhooks/form.js";

const viaUrlSearchParams = (text: string) => {
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = fields[name];
    fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return { ...fields };
};

// Bodies built from the characters that matter to the format, plus anything else.
const formText = fc.array(fc.oneof(fc.constantFrom("&", "=", "%", "+", "?", "%2B", "%zz", "é", " ", "a", "1", "userid", "appli", "__proto__", "constructor"), fc.string({ maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join(""));

describe("form encoding", () => {
  it("parseForm reads what URLSearchParams reads", () => {
    fc.assert(fc.property(formText, (text) => {
        expect(parseForm(text)).toEqual(viaUrlSearchParams(text));
      }), { numRuns: 5000 });
    expect(parseForm("userid=12345&appli=1&appli=2&x")).toEqual({ userid: "12345", appli: ["1", "2"], x: "" });
    const hostile = parseForm("__proto__=1&constructor=2&__proto__=3");
    expect(Object.getPrototypeOf(hostile)).toBe(Object.prototype);
    expect(Object.entries(hostile)).toEqual([["__proto__", ["1", "3"]], ["constructor", "2"]]);
  });

  it("formEncode writes what URLSearchParams writes", () => {
    fc.assert(
      fc.property(fc.oneof(formText, fc.string(), fc.stringMatching(/^[\w.*-]*$/)), (text) => {
        expect(formEncode(text)).toBe(new URLSearchParams([["", text]]).toString().slice(1));
      }),
      { numRuns: 5000 },
    );
  });
});
