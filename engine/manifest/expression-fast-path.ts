/**
 * Most manifest expressions are plain field reads (`type`, `$string(user_id)`, `{ "userId": ..., "data": $ }`).
 * Evaluating those through JSONata costs 2-10 us each, more than the HMAC that authenticates the request, so at load
 * time such expressions are compiled from JSONata's own syntax tree into plain functions with the same results.
 * Anything outside that subset, or an input outside it at run time (arrays, which JSONata maps over), answers
 * FALLBACK and is evaluated by JSONata itself.
 */
import { isoFromMillis } from "../iso-time.js";

export const FALLBACK: unique symbol = Symbol("evaluate with JSONata");

export type FastPath = (input: unknown) => unknown;

/** Inside: `root` is what `$$` names, the input the whole expression was given. */
type Compiled = (input: unknown, root: unknown) => unknown;

type Node = {
  type: string;
  value?: unknown;
  steps?: Node[];
  expressions?: Node[];
  body?: Node;
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  arguments?: Node[];
  procedure?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
};

const STEP_KEYS = new Set(["type", "value", "position"]);
/** A step with anything else (a predicate, a sort, a focus or index binding) is left to JSONata. */
const PLAIN_STEP_KEYS = new Set(["type", "name", "value", "position", "arguments", "procedure", "expressions"]);

export function compileFastPath(ast: unknown): FastPath | undefined {
  const compiled = compile(ast as Node);
  return compiled && ((input) => compiled(input, input));
}

/** Keys JSONata's parser adds for predicates, sorts, grouping and bindings on any node: all left to JSONata. */
const MODIFIER_KEYS = ["predicate", "stages", "group", "focus", "index", "tuple", "keepArray", "keepSingletonArray", "seekingParent", "ancestor"];

function compile(node: Node): Compiled | undefined {
  if (MODIFIER_KEYS.some((key) => key in node)) return undefined;
  switch (node.type) {
    case "string":
    case "number":
    case "value": {
      const literal = node.value;
      return () => literal;
    }
    case "variable":
      // `$` is the input as it is (an array too: JSONata hands back the same sequence); `$$` is the root.
      if (node.value === "") return (input) => input;
      return node.value === "$" ? (_input, root) => root : undefined;
    case "block":
      return node.expressions?.length === 1 ? compile(node.expressions[0]!) : undefined;
    case "path":
      return compilePath(node);
    case "function":
      return compileFunction(node);
    case "unary":
      return node.value === "{" && Array.isArray(node.lhs) ? compileObject(node.lhs) : undefined;
    case "binary":
      return compileBinary(node);
    case "condition":
      return compileCondition(node);
    default:
      return undefined;
  }
}

function compilePath(node: Node): Compiled | undefined {
  const allSteps = node.steps ?? [];
  if (allSteps.length === 0 || Object.keys(node).some((key) => key !== "type" && key !== "steps")) return undefined;
  if (allSteps[0]!.type === "function") return compileSequencePath(allSteps);
  const last = allSteps[allSteps.length - 1]!;
  if (allSteps.length > 1 && last.type === "unary" && last.value === "{" && Array.isArray(last.lhs)) {
    return compileMappedObject(allSteps.slice(0, -1), last.lhs);
  }
  const read = compilePathOrArray(node);
  return read && ((input, root) => {
    const value = read(input, root);
    return Array.isArray(value) ? FALLBACK : value;
  });
}

/**
 * A path that starts from a function's result (`$keys($).( ... )`, `$lookup($$, $).name`): every later step runs on
 * each item the step before gave. A list the first step gives is its items, as in JSONata's sequences; a list any
 * later step gives (JSONata keeps or flattens those by rules of its own) is left to JSONata. No items give nothing,
 * one gives that item.
 */
function compileSequencePath(steps: Node[]): Compiled | undefined {
  const compiled: Compiled[] = [];
  for (const step of steps) {
    const plain = Object.keys(step).every((key) => PLAIN_STEP_KEYS.has(key));
    const part = !plain ? undefined : step.type === "name" ? compilePathOrArray({ type: "path", steps: [step] }) : step.type === "function" || step.type === "block" ? compile(step) : undefined;
    if (!part) return undefined;
    compiled.push(part);
  }
  const [first, ...rest] = compiled as [Compiled, ...Compiled[]];
  return (input, root) => {
    const start = first(input, root);
    if (start === FALLBACK || start === undefined) return start;
    let items = Array.isArray(start) ? start : [start];
    if (items.some(Array.isArray)) return FALLBACK;
    for (const step of rest) {
      const next: unknown[] = [];
      for (const item of items) {
        const value = step(item, root);
        if (value === FALLBACK || Array.isArray(value)) return FALLBACK;
        if (value !== undefined) next.push(value);
      }
      items = next;
    }
    return items.length === 0 ? undefined : items.length === 1 ? items[0] : items;
  };
}

/**
 * `names.{ ... }`: the object constructor applied to each item the path reaches. As in JSONata, no item gives
 * nothing, one item gives an object, several give an array.
 */
function compileMappedObject(steps: Node[], pairs: [Node, Node][]): Compiled | undefined {
  const path = compilePathOrArray({ type: "path", steps });
  const construct = compileObject(pairs);
  if (!path || !construct) return undefined;
  return (input, root) => {
    const reached = path(input, root);
    if (reached === FALLBACK || reached === undefined) return reached;
    const items = Array.isArray(reached) ? reached : [reached];
    const results: unknown[] = [];
    for (const item of items) {
      if (item === null || typeof item !== "object" || Array.isArray(item)) return FALLBACK;
      const result = construct(item, root);
      if (result === FALLBACK) return FALLBACK;
      results.push(result);
    }
    return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
  };
}

/** A path of names whose final value may be an array (but no array on the way). */
function compilePathOrArray(node: Node): Compiled | undefined {
  const steps = node.steps ?? [];
  if (!steps.every((step) => step.type === "name" && typeof step.value === "string" && Object.keys(step).every((k) => STEP_KEYS.has(k)))) {
    return undefined;
  }
  const names = steps.map((step) => step.value as string);
  return (input) => {
    let current = input;
    for (const name of names) {
      if (current === null || current === undefined) return undefined;
      if (typeof current !== "object" || Array.isArray(current)) return Array.isArray(current) ? FALLBACK : undefined;
      current = Object.hasOwn(current, name) ? (current as Record<string, unknown>)[name] : undefined;
    }
    return current;
  };
}

const FUNCTIONS: Record<string, (value: unknown) => unknown> = {
  string: (value) => (value === undefined ? undefined : (stringOf(value) ?? FALLBACK)),
  exists: (value) => value !== undefined,
  number: (value) => {
    if (value === undefined) return undefined;
    if (typeof value === "number") return value;
    return typeof value === "string" && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(value) ? Number(value) : FALLBACK;
  },
  fromMillis: (value) => {
    if (value === undefined) return undefined;
    return typeof value === "number" ? (isoFromMillis(value) ?? FALLBACK) : FALLBACK;
  },
};

function compileFunction(node: Node): Compiled | undefined {
  const name = node.procedure?.type === "variable" ? String(node.procedure.value) : "";
  if (name === "keys" && node.arguments?.length === 1) return compileKeys(node.arguments[0]!);
  if (name === "lookup" && node.arguments?.length === 2) return compileLookup(node.arguments[0]!, node.arguments[1]!);
  if (name === "sift" && node.arguments?.length === 2) return compileSiftByKey(node.arguments[0]!, node.arguments[1]!);
  const apply = FUNCTIONS[name];
  if (!apply || node.arguments?.length !== 1) return undefined;
  const argument = compile(node.arguments[0]!);
  if (!argument) return undefined;
  return (input, root) => {
    const value = argument(input, root);
    return value === FALLBACK ? FALLBACK : apply(value);
  };
}

/** `$keys(object)`: its keys; one key is that key alone, none is nothing. */
function compileKeys(argument: Node): Compiled | undefined {
  const object = compile(argument);
  return object && ((input, root) => {
    const value = object(input, root);
    if (!isPlainObject(value)) return value === undefined ? undefined : FALLBACK;
    const keys = Object.keys(value);
    return keys.length === 0 ? undefined : keys.length === 1 ? keys[0] : keys;
  });
}

/** `$lookup(object, key)` on one object. */
function compileLookup(objectNode: Node, keyNode: Node): Compiled | undefined {
  const object = compile(objectNode);
  const key = compile(keyNode);
  if (!object || !key) return undefined;
  return (input, root) => {
    const value = object(input, root);
    const name = key(input, root);
    if (!isPlainObject(value) || typeof name !== "string") return value === undefined ? undefined : FALLBACK;
    return Object.hasOwn(value, name) ? value[name] : undefined;
  };
}

/**
 * `$sift(object, function($v, $k) { $k != "name" })` (or `=`): the object without (or with only) one key, the way
 * a manifest drops a secret from an item. No key left is nothing. Any other function is left to JSONata.
 */
function compileSiftByKey(objectNode: Node, lambda: Node): Compiled | undefined {
  const object = compile(objectNode);
  const keyParameter = lambda.type === "lambda" && lambda.arguments?.length === 2 ? lambda.arguments[1]!.value : undefined;
  const test = lambda.body;
  if (!object || typeof keyParameter !== "string" || test?.type !== "binary" || (test.value !== "!=" && test.value !== "=")) return undefined;
  const [variable, literal] = [test.lhs, test.rhs] as [Node | undefined, Node | undefined];
  if (variable?.type !== "variable" || variable.value !== keyParameter || literal?.type !== "string" || typeof literal.value !== "string") return undefined;
  const name = literal.value;
  const keep = test.value === "!=" ? (key: string) => key !== name : (key: string) => key === name;
  return (input, root) => {
    const value = object(input, root);
    if (!isPlainObject(value)) return value === undefined ? undefined : FALLBACK;
    const kept: Record<string, unknown> = {};
    let count = 0;
    for (const key of Object.keys(value)) {
      if (key === "__proto__") return FALLBACK; // a payload's own __proto__ key is data: never assigned as a prototype here
      if (keep(key)) {
        kept[key] = value[key];
        count++;
      }
    }
    return count === 0 ? undefined : kept;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function compileCondition(node: Node): Compiled | undefined {
  const condition = node.condition && compile(node.condition);
  const then = node.then && compile(node.then);
  const otherwise = node.else ? compile(node.else) : () => undefined;
  if (!condition || !then || !otherwise) return undefined;
  return (input, root) => {
    const test = condition(input, root);
    if (test === FALLBACK || (test !== null && typeof test === "object")) return FALLBACK;
    const truthy = typeof test === "number" ? test !== 0 : typeof test === "string" ? test.length > 0 : test === true;
    return truthy ? then(input, root) : otherwise(input, root);
  };
}

function compileObject(pairs: [Node, Node][]): Compiled | undefined {
  const compiled: [string, Compiled][] = [];
  for (const [key, value] of pairs) {
    const valuePath = compile(value);
    if (key.type !== "string" || typeof key.value !== "string" || !valuePath) return undefined;
    compiled.push([key.value, valuePath]);
  }
  return (input, root) => {
    if (Array.isArray(input)) return FALLBACK;
    const result: Record<string, unknown> = {};
    for (const [key, valuePath] of compiled) {
      const value = valuePath(input, root);
      if (value === FALLBACK) return FALLBACK;
      if (value !== undefined) result[key] = value;
    }
    return result;
  };
}

function compileBinary(node: Node): Compiled | undefined {
  if (Array.isArray(node.lhs) || !node.lhs || !node.rhs) return undefined;
  const left = compile(node.lhs);
  const right = compile(node.rhs);
  if (!left || !right) return undefined;
  if (node.value === "&") {
    return (input, root) => {
      const a = concatOperand(left(input, root));
      const b = concatOperand(right(input, root));
      return a === FALLBACK || b === FALLBACK ? FALLBACK : a + b;
    };
  }
  if (node.value === "*" || node.value === "/" || node.value === "+" || node.value === "-") {
    const operator = node.value;
    return (input, root) => {
      const a = left(input, root);
      const b = right(input, root);
      if (a === FALLBACK || b === FALLBACK) return FALLBACK;
      // JSONata checks the operands' types before it lets a missing one make the result missing.
      if ((a !== undefined && typeof a !== "number") || (b !== undefined && typeof b !== "number")) return FALLBACK;
      if (a === undefined || b === undefined) return undefined;
      const result = operator === "*" ? a * b : operator === "/" ? a / b : operator === "+" ? a + b : a - b;
      return Number.isFinite(result) ? result : FALLBACK;
    };
  }
  if (node.value === "=" || node.value === "!=") {
    const equal = node.value === "=";
    return (input, root) => {
      const a = left(input, root);
      const b = right(input, root);
      if (a === FALLBACK || b === FALLBACK || isStructured(a) || isStructured(b)) return FALLBACK;
      if (a === undefined || b === undefined) return false;
      return equal ? a === b : a !== b;
    };
  }
  return undefined;
}

function concatOperand(value: unknown): string | typeof FALLBACK {
  if (value === FALLBACK) return FALLBACK;
  if (value === undefined) return "";
  return stringOf(value) ?? FALLBACK;
}

/** JSONata's $string for scalars: fractions to 15 significant digits (integers as they are), null as "null". */
export function stringOf(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return String(value);
    case "number":
      if (!Number.isFinite(value)) return undefined;
      return JSON.stringify(Number.isInteger(value) ? value : Number(value.toPrecision(15)));
    default:
      return value === null ? "null" : undefined;
  }
}

export function isStructured(value: unknown): boolean {
  return value !== null && typeof value === "object";
}
