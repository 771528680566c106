import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { compileExpression, evaluateExpression, FALLBACK } from "../../engine/manifest/expressions.js";

const fastPathOf = (source: string) => compileExpression(source).fastPath;
import { loadManifestFiles } from "../../engine/manifest/loader.js";

/** Every JSONata expression in the shipped manifests. */
async function shippedExpressions(): Promise<string[]> {
  const { vendors } = await loadManifestFiles(["vendors"], { allowRetired: true });
  const found = new Set<string>();
  for (const { manifest } of vendors) {
    const events = manifest.webhooks?.events;
    if (!events) continue;
    for (const source of [events.split, events.discriminator, ...events.mappings.flatMap((m) => [m.map, m.match])]) {
      if (source) found.add(source);
    }
  }
  return [...found];
}

const FIELDS = ["type", "workout", "startTime", "enddate", "entity_id", "summaryId", "activityId", "startTimeInSeconds", "user_id", "id", "data_type", "event_type", "object_id", "event_time", "userId", "event", "url", "a", "b",
  "activities", "dailies", "callbackURL", "userAccessToken", "collectionType", "ownerId", "date", "username"];
const scalar = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const record = fc.dictionary(fc.constantFrom(...FIELDS), scalar);
// Garmin-shaped values too: a list of items, some of them with nested lists.
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: record },
  { weight: 2, arbitrary: fc.array(record, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.array(fc.oneof(record, fc.array(record, { maxLength: 2 })), { maxLength: 3 }) },
);
const payload = fc.oneof({ weight: 5, arbitrary: fc.dictionary(fc.constantFrom(...FIELDS), value) }, { weight: 1, arbitrary: fc.array(fc.dictionary(fc.constantFrom(...FIELDS), scalar), { maxLength: 3 }) });

describe("event expressions compiled to closures give JSONata's results", () => {
  it("compiles the simple expressions the shipped manifests use", async () => {
    const expressions = await shippedExpressions();
    const fast = expressions.filter((source) => fastPathOf(source));
    expect(expressions.filter((source) => !fast.includes(source))).toEqual([]);
    for (const source of ["type", "$string(user_id)", 'data_type & "." & event_type', '{ "userId": $string(user_id), "data": $ }', 'event = "PING"', "$keys($)"]) {
      expect(fastPathOf(source), source).toBeDefined();
    }
    for (const source of ["$sift($, function($v) { $v })", "$sift($, function($v, $k) { $v != 1 })", "($x := 1; $x)", "a.b[c = 1]"]) {
      expect(fastPathOf(source), source).toBeDefined();
    }
    for (const source of ["a.b[0]", "$keys($)[0]", "$string(a)[0]", "a ~> $f", "$keys($).($)^($)", "a{ b: c }", "a@$x.b"]) {
      expect(fastPathOf(source), source).toBeUndefined();
    }
  });

  it("for every shipped expression and random payloads", async () => {
    const expressions = await shippedExpressions();
    const extra = ["a.b", "$string(a)", "a & b", "a = \"x\"", "a != 1", '{ "k": a, "l": $string(b), "all": $ }', "42", '"lit"', "$",
      "$exists(a) ? $fromMillis(b * 1000) : a", "$number(a) + 1", "a.{ \"k\": b, \"n\": $string(b) }", "a ? b : $string(a)", "a / 2 - b",
      "$keys($)", "$keys(a)", "$lookup($, \"a\")", "$lookup($$, \"activities\").callbackURL", "$keys($).($lookup($$, $))", "$keys($).(a)", "$exists($)",
      "$keys($).($exists($lookup($$, $).userId) ? $ & \".x\" : $)", "$sift($, function($v, $k) { $k != \"a\" })", "$sift(a, function($x, $key) { $key = \"b\" })",
      "activities.{ \"u\": $string(userId), \"d\": $sift($, function($v, $k) { $k != \"userAccessToken\" }) }",
      "$sift($, function($v) { $v })", "$sift($, function($v, $k) { $v != 1 })", "($x := a; $y := function($z) { $z & $x }; $y(b))", "a.b[type = \"x\"]", "activities.[userId]"];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...expressions, ...extra), payload, async (source, input) => {
        const viaJsonata = await jsonata(source).evaluate(input).then(
          (result: unknown) => ({ result: JSON.parse(JSON.stringify(result ?? null)) as unknown }),
          () => ({ error: true }),
        );
        const viaEngine = await evaluateExpression(source, input).then(
          (result) => ({ result: JSON.parse(JSON.stringify(result ?? null)) as unknown }),
          () => ({ error: true }),
        );
        expect(viaEngine).toEqual(viaJsonata);
      }),
      { numRuns: 3000 },
    );
  }, 60_000); // 6,000 evaluations: seconds on a quiet machine, more under CI's load

  it("maps over arrays the way JSONata does", () => {
    const path = fastPathOf("a.b")!;
    expect(path({ a: [{ b: 1 }, { b: 2 }] })).toEqual([1, 2]);
    expect(path({ a: { b: [1, 2] } })).toEqual([1, 2]);
    expect(path({ a: [{ b: 1 }, { c: 2 }] })).toBe(1);
    expect(path({ a: { b: 1 } })).toBe(1);
  });
});

describe("the fast path and hostile keys", () => {
  it("leaves a payload's own __proto__ key to JSONata instead of assigning it as a prototype", () => {
    const sift = fastPathOf('$sift($, function($v, $k) { $k != "token" })')!;
    const payload = JSON.parse('{"__proto__": {"polluted": true}, "token": "t", "id": 1}') as unknown;
    expect(sift(payload)).toBe(FALLBACK);
    expect(sift({ token: "t", id: 1 })).toEqual({ id: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("generated code and hostile manifest text", () => {
  it("keeps literals, keys and field names as data, never as code", async () => {
    const hostile = ['"); globalThis.pwned = 1; ("', "`${globalThis.pwned = 1}`", "\\\"; globalThis.pwned = 1; //", "\u2028\u2029</script>", "*/ globalThis.pwned = 1; /*"];
    for (const text of hostile) {
      const literal = JSON.stringify(text);
      const field = `\`${text.replace(/`/g, "")}\``; // a JSONata name in backquotes
      for (const source of [literal, `{ ${literal}: ${literal} }`, `[${literal}, a]`, `a & ${literal}`, `$.${field}`, `${field}.b`, `{ "k": ${field} }`]) {
        const fast = fastPathOf(source);
        expect(fast, source).toBeDefined();
        const input = { a: "x", [text.replace(/`/g, "")]: { b: 2 } };
        const reference: unknown = await jsonata(source).evaluate(input);
        expect(fast!(input), source).toEqual(JSON.parse(JSON.stringify(reference)));
      }
    }
    expect((globalThis as { pwned?: unknown }).pwned).toBeUndefined();
  });
});

describe("$round", () => {
  it("rounds as JSONata does, ties to even at the decimal digit, floating-point products included", async () => {
    const round = fastPathOf("$round(v, p)")!;
    const reference = jsonata("$round(v, p)");
    const ties = fc.tuple(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: 1, max: 4 })).map(([n, p]) => ({ v: (n + 0.5) / 10 ** p, p }));
    const anyValue = fc.tuple(fc.double({ min: -1e7, max: 1e7, noNaN: true }), fc.integer({ min: 0, max: 6 })).map(([v, p]) => ({ v, p }));
    await fc.assert(
      fc.asyncProperty(fc.oneof(ties, anyValue, fc.constantFrom({ v: 2.675, p: 2 }, { v: 1.005, p: 2 }, { v: -0.5, p: 0 }, { v: -0.04, p: 1 })), async (input) => {
        expect(Object.is(round(input), await reference.evaluate(input))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});

describe("expressions the generator leaves to JSONata", () => {
  it("a path nested so deep that its source would double at each level is evaluated by JSONata", async () => {
    const deep = "a" + ".(b".repeat(16) + ")".repeat(16);
    expect(compileExpression(deep).compiled).toBeUndefined();
    const input = { a: { b: { b: 1 } } };
    expect(await evaluateExpression(deep, input)).toEqual(JSON.parse(JSON.stringify((await jsonata(deep).evaluate(input)) ?? null)) ?? undefined);
  });
});

describe("constructors of literals", () => {
  const sources = ['[{ "id": 0, "n": "a" }, { "id": 1, "n": "b" }][id = $$.x].n', '{ "a": [1, 2, [3]], "b": { "c": null, "d": true } }', '[{ "id": 1 }][id = $$.x]', '{ "t": [{ "k": 1 }, { "k": 2 }][k = $$.x] }'];

  it("give JSONata's results, over objects and arrays alike", async () => {
    for (const source of sources) {
      for (const input of [{ x: 1 }, { x: 0 }, { x: 5 }, [{ x: 1 }, { x: 0 }]]) {
        const fast = fastPathOf(source)!(input);
        if (fast === FALLBACK) continue;
        const reference: unknown = await jsonata(source).evaluate(input);
        expect(fast, `${source} over ${JSON.stringify(input)}`).toEqual(reference === undefined ? undefined : JSON.parse(JSON.stringify(reference)));
      }
    }
  });

  it("are built once but never shared with the caller: changing a result leaves the next one alone", () => {
    for (const source of sources.slice(1)) {
      const evaluate = fastPathOf(source)!;
      const first = evaluate({ x: 1 }) as Record<string, unknown>;
      const expected = structuredClone(first);
      const changeDeeply = (value: unknown): void => {
        if (value === null || typeof value !== "object") return;
        for (const key of Object.keys(value)) {
          changeDeeply((value as Record<string, unknown>)[key]);
          (value as Record<string, unknown>)[key] = "changed";
        }
      };
      changeDeeply(first);
      expect(evaluate({ x: 1 }), source).toEqual(expected);
    }
  });
});

describe("$ alone", () => {
  it("is the input itself, a top-level array included (no copy), as JSONata gives it", async () => {
    for (const input of [[{ a: 1 }, { a: 2 }], { a: 1 }, [], "text", 5]) {
      const fast = fastPathOf("$")!(input);
      expect(fast).toBe(input);
      expect(fast).toEqual(await jsonata("$").evaluate(input));
    }
    // anything applied to it still sees JSONata's outer sequence
    expect(fastPathOf("$.a")!([{ a: 1 }, { a: 2 }])).toEqual([...((await jsonata("$.a").evaluate([{ a: 1 }, { a: 2 }])) as number[])]);
  });
});

describe("$fromMillis", () => {
  it("writes what JSONata writes, leaving the years past 9999 or before 0 to it", async () => {
    const fromMillis = fastPathOf("$fromMillis(v)")!;
    for (const v of [0, 1_700_000_000_123, 253_402_300_799_999, 253_402_300_800_000, -62_167_219_200_000, -62_167_219_200_001]) {
      const fast = fromMillis({ v });
      const reference: unknown = await jsonata("$fromMillis(v)").evaluate({ v });
      if (fast !== FALLBACK) expect(fast, String(v)).toBe(reference);
    }
    expect(fromMillis({ v: 253_402_300_800_000 })).toBe(FALLBACK);
  });
});
