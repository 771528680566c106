/**
 * JSONata evaluates every node through promises, about 1-3 us each: a record mapping of a few hundred nodes costs
 * a millisecond, hundreds of times JSON.parse of the payload. This compiles a mapping's JSONata syntax tree once into
 * plain synchronous closures with JSONata's own semantics (sequences, flattening of path steps, singleton collapse,
 * filters, blocks, lambdas) for the constructs record mappings use. Anything outside that subset is not compiled;
 * anything unexpected at run time (a type JSONata would reject or treat specially) throws FALLBACK, and the caller
 * evaluates the whole expression with JSONata, which stays the reference (test/records/ compares both on every
 * fixture and on mutations of them).
 */
import { isoFromMillis } from "../iso-time.js";
import { isStructured, stringOf } from "../manifest/expression-fast-path.js";

export const FALLBACK: unique symbol = Symbol("evaluate with JSONata");

export type CompiledMapping = (input: unknown, bindings: Readonly<Record<string, unknown>>) => unknown;

type Node = {
  type: string;
  value?: unknown;
  steps?: Node[];
  stages?: Node[];
  predicate?: Node[];
  expressions?: Node[];
  expr?: Node;
  body?: Node;
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  arguments?: Node[];
  procedure?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  consarray?: boolean;
  thunk?: boolean;
  signature?: unknown;
};

/** A frame of variables; its prototype is the enclosing frame. */
type Frame = Record<string, unknown>;
type Compiled = (input: unknown, frame: Frame) => unknown;

/** JSONata's sequences: arrays the evaluator made, which collapse to their single item. A class of their own
 * rather than a marker property, which would take the array off V8's fast path. */
class Sequence extends Array<unknown> {}
/** Arrays built by an array constructor at a path's start or end, which path steps keep whole. */
class ConstructedArray extends Array<unknown> {}
/** A top-level array input, wrapped as JSONata wraps it: paths iterate it as one item, and `$` is the array. */
class OuterWrapper extends Sequence {}

function sequence(...items: unknown[]): unknown[] {
  const result = new Sequence();
  for (const item of items) result.push(item);
  return result;
}
const isSequence = (value: unknown): value is unknown[] => value instanceof Sequence;

function collapse(value: unknown): unknown {
  if (!isSequence(value)) return value;
  return value.length === 0 ? undefined : value.length === 1 ? value[0] : value;
}

function fallback(): never {
  throw FALLBACK;
}

/** Keys the parser adds that this compiler leaves to JSONata (grouping, focus and index bindings, tuples, ...). */
const UNSUPPORTED_KEYS = ["group", "focus", "index", "tuple", "keepArray", "keepSingletonArray", "seekingParent", "ancestor", "ancestry"];

class Unsupported extends Error {}

/**
 * Names the expression itself binds (`$x := ...`, lambda parameters) live in frames; every other name is the caller's
 * binding or a built-in, read from the evaluation's bindings directly instead of through the chain of frames.
 * Evaluation is synchronous, so the bindings of the one running evaluation can sit in a module variable.
 */
let locallyBound = new Set<string>();
let currentBindings: Readonly<Record<string, unknown>> = Object.create(null) as Record<string, unknown>;

export function compileMapping(ast: unknown): CompiledMapping | undefined {
  let body: Compiled;
  try {
    locallyBound = boundNames(ast as Node);
    body = compile(ast as Node);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  } finally {
    locallyBound = new Set();
  }
  return (input, bindings) => {
    const frame = Object.create(null) as Frame;
    frame.$ = input; // `$$`: the input as given
    let context = input;
    if (Array.isArray(input)) {
      context = new OuterWrapper();
      (context as unknown[]).push(input);
    }
    const outer = currentBindings;
    currentBindings = bindings;
    try {
      return toPlain(body(context, frame));
    } finally {
      currentBindings = outer;
    }
  };
}

function boundNames(node: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) boundNames(item, names);
  else if (node !== null && typeof node === "object") {
    const { type, lhs, arguments: parameters } = node as Node;
    if (type === "bind" && lhs && !Array.isArray(lhs) && typeof lhs.value === "string") names.add(lhs.value);
    if (type === "lambda") for (const parameter of parameters ?? []) if (typeof parameter.value === "string") names.add(parameter.value);
    for (const value of Object.values(node)) boundNames(value, names);
  }
  return names;
}

/** A free name's value: the caller's binding. */
function freeName(name: string): (frame: Frame) => unknown {
  return () => currentBindings[name];
}

/** A bound name's value from the frames; as in JSONata, a name bound to nothing reads through to the bindings. */
function localName(name: string): (frame: Frame) => unknown {
  return (frame) => {
    const value = frame[name];
    return value !== undefined ? value : currentBindings[name];
  };
}

function compile(node: Node): Compiled {
  if (UNSUPPORTED_KEYS.some((key) => key in node)) throw new Unsupported(node.type);
  const base = compileNode(node);
  const filters = (node.predicate ?? []).map(compileFilter);
  if (filters.length === 0 && NEVER_SEQUENCES.has(node.type)) return base;
  if (filters.length === 0) return (input, frame) => collapse(base(input, frame));
  return (input, frame) => {
    let result = base(input, frame);
    for (const filter of filters) result = filter(result, frame);
    return collapse(result);
  };
}

/** Node types whose value is never a sequence (their parts' values are already collapsed). */
const NEVER_SEQUENCES = new Set(["string", "number", "value", "unary", "binary", "condition", "block", "bind", "lambda"]);

function compileNode(node: Node): Compiled {
  switch (node.type) {
    case "string":
    case "number":
    case "value": {
      const literal = node.value;
      return () => literal;
    }
    case "variable":
      return compileVariable(String(node.value));
    case "name": {
      const key = String(node.value);
      return (input) => lookup(input, key);
    }
    case "path":
      return compilePath(node);
    case "block":
      return compileBlock(node.expressions ?? []);
    case "bind":
      return compileBind(node);
    case "condition":
      return compileCondition(node);
    case "unary":
      return compileUnary(node);
    case "binary":
      return compileBinary(node);
    case "function":
      return compileCall(node);
    case "lambda":
      return compileLambda(node);
    default:
      throw new Unsupported(node.type);
  }
}

function compileVariable(name: string): Compiled {
  if (name === "") return (input) => (input instanceof OuterWrapper ? input[0] : input);
  const read = locallyBound.has(name) || name === "$" ? localName(name) : freeName(name);
  const builtin = name in BUILTINS;
  return (_input, frame) => {
    const value = read(frame);
    return value === undefined && builtin ? fallback() : value; // a built-in function used as a value
  };
}

/** JSONata's lookup: a field of an object, or the flattened fields of an array's items. Own fields only. */
function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = sequence();
    for (const item of input) {
      const value = lookup(item, key);
      if (value === undefined) continue;
      if (Array.isArray(value)) result.push(...value);
      else result.push(value);
    }
    return result;
  }
  if (input !== null && typeof input === "object") return Object.hasOwn(input, key) ? (input as Record<string, unknown>)[key] : undefined;
  return undefined;
}

function compileFilter(filter: Node): (value: unknown, frame: Frame) => unknown {
  if (filter.type !== "filter" || !filter.expr || filter.expr.type === "number") throw new Unsupported("filter");
  const test = compile(filter.expr);
  return (value, frame) => {
    const items = Array.isArray(value) ? value : [value];
    const kept = sequence();
    for (const item of items) {
      const result = test(item, frame);
      if (typeof result === "number" || (Array.isArray(result) && result.some((entry) => typeof entry === "number"))) fallback(); // an index
      if (boolean(result)) kept.push(item);
    }
    return kept;
  };
}

function compilePath(node: Node): Compiled {
  const steps = node.steps ?? [];
  const generic = compileGenericPath(steps);
  const plainName = (step: Node) => step.type === "name" && typeof step.value === "string" && !step.stages && !step.predicate;
  const first = steps[0];
  // `$var.a.b` (or `$.a`): the variable's value, then names.
  const start = first?.type === "variable" && !first.predicate && !first.stages && steps.length > 1 ? compile(first) : undefined;
  const rest = start ? steps.slice(1) : steps;
  if (!rest.every(plainName)) return generic;
  const names = rest.map((step) => step.value as string);
  // A path of names through objects (no array on the way) is the value at its end, as JSONata's steps give it.
  return (input, frame) => {
    let current = start ? start(input, frame) : input;
    if (current === undefined) return undefined;
    for (const name of names) {
      if (Array.isArray(current)) return generic(input, frame);
      if (current === null || typeof current !== "object") return undefined;
      current = Object.hasOwn(current, name) ? (current as Record<string, unknown>)[name] : undefined;
      if (current === undefined) return undefined;
    }
    return current;
  };
}

function compileGenericPath(steps: Node[]): Compiled {
  const firstIsVariable = steps[0]?.type === "variable";
  const compiled = steps.map((step, index) => {
    const evaluate = compile(step);
    const stages = (step.stages ?? []).map(compileFilter);
    return { evaluate, stages, consFirst: index === 0 && step.consarray === true, last: index === steps.length - 1 };
  });
  return (input, frame) => {
    let items: unknown[] = Array.isArray(input) && !firstIsVariable ? input : sequence(input);
    let result: unknown[] | undefined;
    for (const step of compiled) {
      if (step.consFirst) {
        const value = step.evaluate(items, frame);
        result = Array.isArray(value) ? value : value === undefined ? undefined : sequence(value);
      } else {
        result = evaluateStep(step.evaluate, step.stages, items, frame, step.last);
      }
      if (result === undefined || result.length === 0) break;
      items = result;
    }
    return result;
  };
}

function evaluateStep(evaluate: Compiled, stages: ((value: unknown, frame: Frame) => unknown)[], items: unknown[], frame: Frame, last: boolean): unknown[] {
  const results: unknown[] = [];
  for (const item of items) {
    let value = evaluate(item, frame);
    for (const stage of stages) value = stage(value, frame);
    if (value !== undefined) results.push(value);
  }
  const first = results[0];
  if (last && results.length === 1 && Array.isArray(first) && !isSequence(first)) return first;
  const flattened = sequence();
  for (const value of results) {
    if (Array.isArray(value) && !(value instanceof ConstructedArray)) flattened.push(...value);
    else flattened.push(value);
  }
  return flattened;
}

function compileBlock(expressions: Node[]): Compiled {
  const compiled = expressions.map(compile);
  return (input, frame) => {
    const scope = Object.create(frame) as Frame;
    let result: unknown;
    for (const expression of compiled) result = expression(input, scope);
    return result;
  };
}

function compileBind(node: Node): Compiled {
  const target = node.lhs as Node | undefined;
  if (target?.type !== "variable" || typeof target.value !== "string" || !node.rhs) throw new Unsupported("bind");
  const name = target.value;
  const value = compile(node.rhs);
  return (input, frame) => {
    const result = value(input, frame);
    frame[name] = result;
    return result;
  };
}

function compileCondition(node: Node): Compiled {
  const condition = compile(node.condition!);
  const then = compile(node.then!);
  const otherwise = node.else ? compile(node.else) : undefined;
  return (input, frame) => (boolean(condition(input, frame)) ? then(input, frame) : otherwise?.(input, frame));
}

function compileUnary(node: Node): Compiled {
  if (node.value === "-") {
    const operand = compile(node.expressions?.[0] ?? (node as { expression?: Node }).expression!);
    return (input, frame) => {
      const value = operand(input, frame);
      if (value === undefined) return undefined;
      return typeof value === "number" ? -value : fallback();
    };
  }
  if (node.value === "[") {
    const items = (node.expressions ?? []).map((item) => ({ evaluate: compile(item), nested: item.type === "unary" && item.value === "[" }));
    const cons = node.consarray === true;
    return (input, frame) => {
      const result: unknown[] = [];
      for (const item of items) {
        const value = item.evaluate(input, frame);
        if (value === undefined) continue;
        if (item.nested || !Array.isArray(value)) result.push(value);
        else for (const member of value) result.push(member);
      }
      if (!cons) return result;
      const constructed = new ConstructedArray();
      for (const item of result) constructed.push(item);
      return constructed;
    };
  }
  if (node.value === "{" && Array.isArray(node.lhs)) {
    const seen = new Set<string>();
    const pairs = node.lhs.map(([key, value]) => {
      if (key.type !== "string" || typeof key.value !== "string" || seen.has(key.value)) throw new Unsupported("object key");
      seen.add(key.value);
      return [key.value, compile(value)] as const;
    });
    const keys = pairs.map(([key]) => key);
    const values = pairs.map(([, value]) => value);
    return (input, frame) => {
      if (Array.isArray(input)) fallback(); // grouping over a sequence
      const result: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const entry = values[i]!(input, frame);
        if (entry !== undefined) result[keys[i]!] = entry;
      }
      return result;
    };
  }
  throw new Unsupported(`unary ${String(node.value)}`);
}

function compileBinary(node: Node): Compiled {
  if (Array.isArray(node.lhs) || !node.lhs || !node.rhs) throw new Unsupported("binary");
  const left = compile(node.lhs);
  const right = compile(node.rhs);
  switch (node.value) {
    case "+":
    case "-":
    case "*":
    case "/": {
      const operator = node.value;
      return (input, frame) => {
        const a = left(input, frame);
        const b = right(input, frame);
        if ((a !== undefined && typeof a !== "number") || (b !== undefined && typeof b !== "number")) fallback();
        if (a === undefined || b === undefined) return undefined;
        const result = operator === "+" ? a + b : operator === "-" ? a - b : operator === "*" ? a * b : a / b;
        return Number.isFinite(result) ? result : fallback();
      };
    }
    case "&":
      return (input, frame) => concatOperand(left(input, frame)) + concatOperand(right(input, frame));
    case "=":
    case "!=": {
      const equal = node.value === "=";
      return (input, frame) => {
        const a = left(input, frame);
        const b = right(input, frame);
        if (a === undefined || b === undefined) return false;
        if (isStructured(a) || isStructured(b)) fallback();
        return equal ? a === b : a !== b;
      };
    }
    case "<":
    case "<=":
    case ">":
    case ">=": {
      const operator = node.value;
      return (input, frame) => {
        const a = left(input, frame);
        const b = right(input, frame);
        const comparable = (value: unknown) => value === undefined || typeof value === "string" || typeof value === "number";
        if (!comparable(a) || !comparable(b)) fallback();
        if (a === undefined || b === undefined) return undefined;
        if (typeof a !== typeof b) fallback();
        const x = a as number;
        const y = b as number;
        return operator === "<" ? x < y : operator === "<=" ? x <= y : operator === ">" ? x > y : x >= y;
      };
    }
    case "and":
      return (input, frame) => booleanOrFalse(left(input, frame)) && booleanOrFalse(right(input, frame));
    case "or":
      return (input, frame) => booleanOrFalse(left(input, frame)) || booleanOrFalse(right(input, frame));
    case "in":
      return (input, frame) => {
        const a = left(input, frame);
        const b = right(input, frame);
        if (a === undefined || b === undefined) return false;
        return (Array.isArray(b) ? b : [b]).some((member) => member === a);
      };
    default:
      throw new Unsupported(`binary ${String(node.value)}`);
  }
}

interface Lambda {
  readonly lambda: true;
  readonly parameters: string[];
  readonly body: Compiled;
  readonly frame: Frame;
  readonly input: unknown;
}

function compileLambda(node: Node): Compiled {
  const body = compile(node.body!);
  if (node.thunk) return body; // the parser's tail-call wrapper: evaluating in place gives the same value
  if (node.signature !== undefined) throw new Unsupported("signature");
  const parameters = (node.arguments ?? []).map((parameter) => {
    if (parameter.type !== "variable" || typeof parameter.value !== "string") throw new Unsupported("parameter");
    return parameter.value;
  });
  return (input, frame): Lambda => ({ lambda: true, parameters, body, frame, input });
}

function isLambda(value: unknown): value is Lambda {
  return value !== null && typeof value === "object" && (value as Partial<Lambda>).lambda === true;
}

function call(procedure: unknown, args: unknown[]): unknown {
  if (isLambda(procedure)) {
    const scope = Object.create(procedure.frame) as Frame;
    procedure.parameters.forEach((name, i) => (scope[name] = args[i]));
    return procedure.body(procedure.input, scope);
  }
  if (typeof procedure === "function") {
    const result: unknown = procedure(...args);
    if (result instanceof Promise) fallback();
    return result;
  }
  return fallback();
}

function compileCall(node: Node): Compiled {
  if (node.procedure?.type !== "variable" || typeof node.procedure.value !== "string") throw new Unsupported("call");
  const name = node.procedure.value;
  const args = (node.arguments ?? []).map((argument) => {
    if (argument.type === "variable" && argument.value === "?") throw new Unsupported("partial application");
    return compile(argument);
  });
  const builtin = BUILTINS[name];
  const read = locallyBound.has(name) ? localName(name) : freeName(name);
  return (input, frame) => {
    const values: unknown[] = new Array(args.length);
    for (let i = 0; i < args.length; i++) values[i] = args[i]!(input, frame);
    const procedure = read(frame);
    if (procedure !== undefined) return call(procedure, values);
    if (!builtin || (builtin.arity !== undefined && values.length !== builtin.arity)) return fallback();
    return builtin.apply(values);
  };
}

interface Builtin {
  readonly arity?: number;
  readonly apply: (args: unknown[]) => unknown;
}

const numbers = (value: unknown): number[] | undefined => {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.every((item) => typeof item === "number") ? (list as number[]) : fallback();
};

const BUILTINS: Record<string, Builtin> = {
  exists: { arity: 1, apply: ([value]) => value !== undefined },
  not: { arity: 1, apply: ([value]) => (value === undefined ? undefined : !boolean(value)) },
  count: { arity: 1, apply: ([value]) => (value === undefined ? 0 : Array.isArray(value) ? value.length : 1) },
  sum: { arity: 1, apply: ([value]) => numbers(value)?.reduce((total, item) => total + item, 0) },
  max: { arity: 1, apply: ([value]) => { const list = numbers(value); return list && list.length > 0 ? Math.max(...list) : undefined; } },
  min: { arity: 1, apply: ([value]) => { const list = numbers(value); return list && list.length > 0 ? Math.min(...list) : undefined; } },
  average: { arity: 1, apply: ([value]) => { const list = numbers(value); return list && list.length > 0 ? list.reduce((t, i) => t + i, 0) / list.length : undefined; } },
  round: { apply: ([value, precision]) => (value === undefined ? undefined : typeof value === "number" && (precision === undefined || Number.isInteger(precision)) ? roundHalfEven(value, (precision as number | undefined) ?? 0) : fallback()) },
  string: { arity: 1, apply: ([value]) => (value === undefined ? undefined : (stringOf(value) ?? fallback())) },
  number: {
    arity: 1,
    apply: ([value]) => {
      if (value === undefined || typeof value === "number") return value;
      return typeof value === "string" && /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(value) ? Number(value) : fallback();
    },
  },
  substring: {
    apply: ([text, start, length]) => {
      if (text === undefined) return undefined;
      if (typeof text !== "string" || /[\uD800-\uDFFF]/.test(text) || typeof start !== "number" || (length !== undefined && typeof length !== "number")) fallback();
      const from = text.length + start < 0 ? 0 : start;
      if (length === undefined) return text.slice(from);
      if (length <= 0) return "";
      return text.slice(from, from >= 0 ? from + length : text.length + from + length);
    },
  },
  fromMillis: { arity: 1, apply: ([value]) => (value === undefined ? undefined : typeof value === "number" ? (isoFromMillis(value) ?? fallback()) : fallback()) },
  toMillis: {
    arity: 1,
    apply: ([value]) => {
      if (value === undefined) return undefined;
      if (typeof value !== "string" || !ISO_8601.test(value)) fallback();
      return Date.parse(value);
    },
  },
  each: {
    arity: 2,
    apply: ([object, procedure]) => {
      if (object !== undefined && (object === null || typeof object !== "object" || Array.isArray(object))) fallback();
      const result = sequence();
      for (const key of object === undefined ? [] : Object.keys(object)) {
        const value = call(procedure, [(object as Record<string, unknown>)[key], key, object]);
        if (value !== undefined) result.push(value);
      }
      return result;
    },
  },
  sort: {
    arity: 2,
    apply: ([list, procedure]) => {
      if (list === undefined) return undefined;
      if (!Array.isArray(list)) fallback();
      if (list.length <= 1) return list;
      return mergeSort(list, (a, b) => {
        const after = call(procedure, [a, b]);
        return typeof after === "boolean" ? after : fallback();
      });
    },
  },
};

/** The ISO 8601 forms JSONata's $toMillis accepts without a picture. */
const ISO_8601 = /^\d{4}(-[01]\d)?(-[0-3]\d)?(T[0-2]\d:[0-5]\d:[0-5]\d)?(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$/;

/** A stable merge sort taking the right item first only when the comparator says the left one goes after it. */
function mergeSort(list: unknown[], after: (a: unknown, b: unknown) => boolean): unknown[] {
  if (list.length <= 1) return list;
  const middle = Math.floor(list.length / 2);
  const left = mergeSort(list.slice(0, middle), after);
  const right = mergeSort(list.slice(middle), after);
  const merged: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) merged.push(after(left[i], right[j]) ? right[j++] : left[i++]);
  return merged.concat(left.slice(i), right.slice(j));
}

/** Rounds to `precision` decimals, halves to even (banker's rounding), as JSONata's $round. */
function roundHalfEven(value: number, precision: number): number {
  const shift = (number: number, by: number) => {
    const [mantissa, exponent] = String(number).split("e");
    return Number(`${mantissa}e${Number(exponent ?? 0) + by}`);
  };
  const scaled = precision ? shift(value, precision) : value;
  let rounded = Math.round(scaled);
  if (Math.abs(rounded - scaled) === 0.5 && Math.abs(rounded % 2) === 1) rounded -= 1;
  const result = precision ? shift(rounded, -precision) : rounded;
  return Object.is(result, -0) ? 0 : result;
}

/** JSONata's effective boolean value. */
function boolean(value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 1 ? boolean(value[0]) : value.length > 1 && value.some((item) => boolean(item));
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "boolean") return value;
  if (isLambda(value) || typeof value === "function") return false;
  return value !== null && typeof value === "object" && Object.keys(value).length > 0;
}

const booleanOrFalse = (value: unknown): boolean => boolean(value) ?? false;

function concatOperand(value: unknown): string {
  if (value === undefined) return "";
  return stringOf(value) ?? fallback();
}

/**
 * Results as plain JSON values: sequences become plain arrays; a function in the result is left to JSONata. Objects
 * are the constructors' own (no undefined fields) or the payload's, so they are checked, not copied.
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) {
    const plain = value instanceof Sequence || value instanceof ConstructedArray ? Array.from(value) : value;
    for (let i = 0; i < plain.length; i++) plain[i] = toPlain(plain[i]);
    return plain;
  }
  if (typeof value === "function" || isLambda(value)) return fallback();
  if (value !== null && typeof value === "object") {
    const object = value as Record<string, unknown>;
    for (const key in object) {
      const inner = object[key];
      if ((inner === null || typeof inner !== "object") && typeof inner !== "function") continue;
      const plain = toPlain(inner);
      if (plain !== inner) object[key] = plain;
    }
  }
  return value;
}
