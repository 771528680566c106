/**
 * JSONata evaluates every node through promises, 1-3 us each: more than the HMAC that authenticates a webhook for an
 * event mapping, and a millisecond for a records mapping of a few hundred nodes. This compiles an expression's
 * JSONata syntax tree once into plain synchronous closures with JSONata's own semantics (sequences, flattening of
 * path steps, singleton collapse, filters, blocks, lambdas) for the constructs manifests use; event mappings and
 * records mappings share it. Anything outside that subset is not compiled; anything unexpected at run time (a type
 * JSONata would reject or treat specially) throws FALLBACK, and the caller evaluates the whole expression with
 * JSONata, which stays the reference (test/manifest/ and test/records/ compare both).
 */
import { isoFromMillis } from "../iso-time.js";

export const FALLBACK: unique symbol = Symbol("evaluate with JSONata");

/** The expression with the caller's bindings (functions, `$event`); throws FALLBACK where JSONata must evaluate. */
export type CompiledMapping = (input: unknown, bindings: Readonly<Record<string, unknown>>) => unknown;
/** The expression without bindings; answers FALLBACK (never throws it) where JSONata must evaluate. */
export type FastPath = (input: unknown) => unknown;

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

/**
 * A frame of variables: slot 0 holds the enclosing frame, the others the names its scope binds. Names are resolved to
 * slots at compile time; objects chained by prototype (JSONata's own frames) cost V8 a prototype map per frame.
 */
type Frame = unknown[];
type Compiled = (input: unknown, frame: Frame) => unknown;

/**
 * JSONata's sequences: arrays the evaluator made, which collapse to their single item. Plain arrays marked by a
 * symbol, as JSONata marks its own: V8 keeps `push` on its fast path for them, which it does not for instances of an
 * Array subclass (a subclass doubled the cost of `dailies.{ ... }`).
 */
const SEQUENCE: unique symbol = Symbol("sequence");
/** A top-level array input, wrapped as JSONata wraps it: paths iterate it as one item, and `$` is the array. */
const OUTER: unique symbol = Symbol("outer input");
type Marked = unknown[] & { [SEQUENCE]?: true; [OUTER]?: true };
/** Arrays built by an array constructor at a path's start or end, which path steps keep whole. */
class ConstructedArray extends Array<unknown> {}

function sequence(...items: unknown[]): unknown[] {
  const result: Marked = [];
  result[SEQUENCE] = true;
  for (const item of items) result.push(item);
  return result;
}
const emptySequence = (): unknown[] => {
  const result: Marked = [];
  result[SEQUENCE] = true;
  return result;
};
const isSequence = (value: unknown): value is unknown[] => Array.isArray(value) && (value as Marked)[SEQUENCE] === true;
const isOuter = (value: unknown): value is unknown[] => Array.isArray(value) && (value as Marked)[OUTER] === true;

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

/** What a block, a lambda or the whole expression binds: one slot a name. */
class Scope {
  readonly slots = new Map<string, number>();
  constructor(readonly parent: Scope | undefined) {}
  slotOf(name: string): number {
    let slot = this.slots.get(name);
    if (slot === undefined) this.slots.set(name, (slot = this.slots.size + 1));
    return slot;
  }
  get size(): number {
    return this.slots.size + 1;
  }
}

/** Compile-time state: the scope of each block and lambda, and the scope being compiled. */
let scopes = new Map<Node, Scope>();
let scope = new Scope(undefined);

/**
 * Evaluation is synchronous, so the one running evaluation's bindings and input (`$$`) sit in module variables;
 * nested evaluations save and restore them.
 */
let currentBindings: Readonly<Record<string, unknown>> = Object.create(null) as Record<string, unknown>;
let currentRoot: unknown;
/** Compile-time: whether the expression being compiled reads `$$` or any binding. */
let readsContext = false;

const EMPTY_FRAME: Frame = Object.freeze([undefined]) as Frame;

export function compileMapping(ast: unknown): CompiledMapping | undefined {
  let body: Compiled;
  const root = new Scope(undefined);
  try {
    scopes = new Map();
    readsContext = false;
    collectScopes(ast as Node, root);
    scope = root;
    body = compile(ast as Node);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  } finally {
    scopes = new Map();
    scope = new Scope(undefined);
  }
  const size = root.size;
  const light = !readsContext;
  return (input, bindings) => {
    // An expression that binds nothing at its top level never writes its frame: one shared empty frame serves.
    const frame: Frame = size === 1 ? EMPTY_FRAME : new Array(size);
    let context = input;
    if (Array.isArray(input)) {
      const outer = sequence(input) as Marked;
      outer[OUTER] = true;
      context = outer;
    }
    // One that reads neither `$$` nor a binding (`type`, `a & "." & b`) needs neither set.
    if (light) return plain(body(context, frame));
    const outerBindings = currentBindings;
    const outerRoot = currentRoot;
    currentBindings = bindings;
    currentRoot = input;
    try {
      return plain(body(context, frame));
    } finally {
      currentBindings = outerBindings;
      currentRoot = outerRoot;
    }
  };
}

/** Gives each block and lambda its scope, and each scope the names bound directly in it. */
function collectScopes(node: unknown, current: Scope): void {
  if (Array.isArray(node)) {
    for (const item of node) collectScopes(item, current);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const { type, lhs, arguments: parameters, thunk } = node as Node;
  let inner = current;
  if (type === "block" || (type === "lambda" && !thunk)) {
    inner = new Scope(current);
    scopes.set(node as Node, inner);
  }
  if (type === "lambda" && !thunk) for (const parameter of parameters ?? []) if (typeof parameter.value === "string") inner.slotOf(parameter.value);
  if (type === "bind" && lhs && !Array.isArray(lhs) && lhs.type === "variable" && typeof lhs.value === "string") current.slotOf(lhs.value);
  for (const [key, value] of Object.entries(node)) {
    if (type === "lambda" && key === "arguments") continue;
    collectScopes(value, inner);
  }
}

function compileScoped<T>(node: Node, build: (inner: Scope) => T): T {
  const outer = scope;
  const inner = scopes.get(node);
  if (!inner) throw new Unsupported(node.type);
  scope = inner;
  try {
    return build(inner);
  } finally {
    scope = outer;
  }
}

/**
 * A name's value: the nearest frame that binds it to something, else the caller's binding. As in JSONata, a name
 * bound to nothing (or not yet) reads through to the enclosing frames.
 */
function compileRead(name: string): (frame: Frame) => unknown {
  const places: [depth: number, slot: number][] = [];
  let depth = 0;
  for (let at: Scope | undefined = scope; at; at = at.parent, depth++) {
    const slot = at.slots.get(name);
    if (slot !== undefined) places.push([depth, slot]);
  }
  readsContext = true; // a bound name with nothing in it reads through to the bindings too
  if (places.length === 0) {
    // Bindings objects are made per evaluation (or shared and frozen) and have no prototype (V8 keeps them as hash
    // tables): each read site remembers its value for the bindings it last saw.
    let seen: object | undefined;
    let value: unknown;
    return () => {
      if (currentBindings !== seen) {
        seen = currentBindings;
        value = currentBindings[name];
      }
      return value;
    };
  }
  if (places.length === 1 && places[0]![0] === 0) {
    const slot = places[0]![1];
    return (frame) => {
      const value = frame[slot];
      return value !== undefined ? value : currentBindings[name];
    };
  }
  return (frame) => {
    let at = frame;
    let atDepth = 0;
    for (const [depth, slot] of places) {
      for (; atDepth < depth; atDepth++) at = at[0] as Frame;
      const value = at[slot];
      if (value !== undefined) return value;
    }
    return currentBindings[name];
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
      return compileBlock(node);
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
  if (name === "") return (input) => (isOuter(input) ? input[0] : input);
  if (name === "$") {
    readsContext = true;
    return () => currentRoot;
  }
  const read = compileRead(name);
  const builtin = name in BUILTINS;
  return (_input, frame) => {
    const value = read(frame);
    return value === undefined && builtin ? fallback() : value; // a built-in function used as a value
  };
}

/** JSONata's lookup: a field of an object, or the flattened fields of an array's items. Own fields only. */
function lookup(input: unknown, key: string): unknown {
  if (Array.isArray(input)) {
    const result = emptySequence();
    for (const item of input) {
      const value = lookup(item, key);
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const member of value) result.push(member);
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
    const kept = emptySequence();
    if (!Array.isArray(value)) {
      if (keeps(test(value, frame))) kept.push(value);
      return kept;
    }
    for (const item of value) if (keeps(test(item, frame))) kept.push(item);
    return kept;
  };
}

function keeps(result: unknown): boolean {
  if (typeof result === "boolean") return result;
  if (typeof result === "number" || (Array.isArray(result) && result.some((entry) => typeof entry === "number"))) fallback(); // an index
  return boolean(result) === true;
}

function compilePath(node: Node): Compiled {
  const steps = node.steps ?? [];
  const generic = compileGenericPath(steps);
  const plainName = (step: Node) => step.type === "name" && typeof step.value === "string" && !step.stages && !step.predicate;
  const first = steps[0];
  // `$var.a.b` (or `$.a`): the variable's value, then names.
  const start = first?.type === "variable" && !first.predicate && !first.stages && steps.length > 1 ? compile(first) : undefined;
  const rest = start ? steps.slice(1) : steps;
  const last = rest[rest.length - 1];
  if (!start && rest.length > 1 && last?.type === "unary" && last.value === "{" && !last.predicate && !last.stages && rest.slice(0, -1).every(plainName)) {
    return compileMappedObject(rest.slice(0, -1).map((step) => step.value as string), compile(last), generic);
  }
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

/**
 * `names.{ ... }` (Garmin's `dailies.{ "userId": ... }`): the object constructor on each item the names reach. Any
 * array on the way, or nested in the list reached, takes the generic path, which flattens as JSONata does.
 */
function compileMappedObject(names: string[], construct: Compiled, generic: Compiled): Compiled {
  return (input, frame) => {
    let current = input;
    for (const name of names) {
      if (Array.isArray(current)) return generic(input, frame);
      if (current === null || typeof current !== "object") return undefined;
      current = Object.hasOwn(current, name) ? (current as Record<string, unknown>)[name] : undefined;
      if (current === undefined) return undefined;
    }
    if (!Array.isArray(current)) return construct(current, frame);
    if (current.length === 1 && !Array.isArray(current[0])) return construct(current[0], frame);
    const results = emptySequence();
    for (const item of current) {
      if (Array.isArray(item)) return generic(input, frame);
      const value = construct(item, frame);
      if (value !== undefined) results.push(value);
    }
    return collapse(results);
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

/**
 * One path step over each item: the results flattened into a sequence (arrays an array constructor made stay
 * whole), except that a last step giving one plain array gives that array.
 */
function evaluateStep(evaluate: Compiled, stages: ((value: unknown, frame: Frame) => unknown)[], items: unknown[], frame: Frame, last: boolean): unknown[] {
  const flattened = emptySequence();
  let count = 0;
  let only: unknown;
  for (const item of items) {
    let value = evaluate(item, frame);
    for (const stage of stages) value = stage(value, frame);
    if (value === undefined) continue;
    count++;
    only = value;
    if (Array.isArray(value) && !(value instanceof ConstructedArray)) for (const member of value) flattened.push(member);
    else flattened.push(value);
  }
  if (last && count === 1 && Array.isArray(only) && !isSequence(only)) return only;
  return flattened;
}

function compileBlock(node: Node): Compiled {
  return compileScoped(node, (inner) => {
    const compiled = (node.expressions ?? []).map(compile);
    return (input, frame) => {
      const local: Frame = new Array(inner.size);
      local[0] = frame;
      let result: unknown;
      for (const expression of compiled) result = expression(input, local);
      return result;
    };
  });
}

function compileBind(node: Node): Compiled {
  const target = node.lhs as Node | undefined;
  if (target?.type !== "variable" || typeof target.value !== "string" || !node.rhs) throw new Unsupported("bind");
  const slot = scope.slotOf(target.value);
  const value = compile(node.rhs);
  return (input, frame) => {
    const result = value(input, frame);
    frame[slot] = result;
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
        if (item.nested || !Array.isArray(value)) result.push(value instanceof ConstructedArray ? value : plain(value));
        else for (const member of value) result.push(member instanceof ConstructedArray ? member : plain(member));
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
        if (entry !== undefined) result[keys[i]!] = plain(entry);
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

/** A lambda's value: its body, parameter slots, and the frame and input it was defined in. */
class Lambda {
  constructor(
    readonly parameters: number,
    readonly frameSize: number,
    readonly body: Compiled,
    readonly frame: Frame,
    readonly input: unknown,
  ) {}
}

function compileLambda(node: Node): Compiled {
  if (node.thunk) return compile(node.body!); // the parser's tail-call wrapper: evaluating in place gives the same value
  if (node.signature !== undefined) throw new Unsupported("signature");
  for (const parameter of node.arguments ?? []) if (parameter.type !== "variable" || typeof parameter.value !== "string") throw new Unsupported("parameter");
  return compileScoped(node, (inner) => {
    const body = compile(node.body!);
    const parameters = node.arguments?.length ?? 0; // the first slots of the scope, in order
    return (input, frame) => new Lambda(parameters, inner.size, body, frame, input);
  });
}

function call(procedure: unknown, args: unknown[]): unknown {
  if (procedure instanceof Lambda) {
    const frame: Frame = new Array(procedure.frameSize);
    frame[0] = procedure.frame;
    for (let i = 0; i < procedure.parameters; i++) frame[i + 1] = args[i];
    return procedure.body(procedure.input, frame);
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
  const read = compileRead(name);
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
  keys: {
    arity: 1,
    apply: ([object]) => {
      if (object === undefined) return undefined;
      if (!isPlainObject(object)) fallback();
      const keys = emptySequence();
      for (const key of Object.keys(object)) keys.push(key);
      return keys;
    },
  },
  lookup: {
    arity: 2,
    apply: ([object, key]) => {
      if (object === undefined) return undefined;
      if (!isPlainObject(object) || typeof key !== "string") fallback();
      return Object.hasOwn(object, key) ? object[key] : undefined;
    },
  },
  /** The fields a lambda keeps (the way a manifest drops a secret from an item); none kept is nothing. */
  sift: {
    arity: 2,
    apply: ([object, procedure]) => {
      if (object === undefined) return undefined;
      if (!isPlainObject(object) || !(procedure instanceof Lambda)) fallback();
      const kept: Record<string, unknown> = {};
      let count = 0;
      for (const key of Object.keys(object)) {
        if (key === "__proto__") fallback(); // a payload's own __proto__ key is data: never assigned as a prototype here
        if (boolean(call(procedure, [object[key], key, object]))) {
          kept[key] = object[key];
          count++;
        }
      }
      return count === 0 ? undefined : kept;
    },
  },
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
      }).map(plain);
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
  if (typeof value === "boolean") return value;
  if (Array.isArray(value)) return value.length === 1 ? boolean(value[0]) : value.length > 1 && value.some((item) => boolean(item));
  if (typeof value === "string") return value.length > 0;
  if (typeof value === "number") return value !== 0;
  if (value instanceof Lambda || typeof value === "function") return false;
  return value !== null && typeof value === "object" && Object.keys(value).length > 0;
}

const booleanOrFalse = (value: unknown): boolean => boolean(value) ?? false;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Lambda);
}

function concatOperand(value: unknown): string {
  if (value === undefined) return "";
  return stringOf(value) ?? fallback();
}

/** JSONata's $string for scalars: fractions to 15 significant digits (integers as they are), null as "null". */
function stringOf(value: unknown): string | undefined {
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

const isStructured = (value: unknown): boolean => value !== null && typeof value === "object";

/**
 * A value as plain JSON, made where a value is stored (object and array constructors) and at the end: the
 * evaluator's sequences and constructed arrays become plain arrays; a function is left to JSONata. Every other
 * array or object is the payload's or was made plain when it was built, so it is not walked again (an event
 * mapping's `"data": $` costs nothing however large the payload).
 */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value === "function" ? fallback() : value;
  if (isSequence(value) || value instanceof ConstructedArray) {
    const result: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) result[i] = plain(value[i]);
    return result;
  }
  return value instanceof Lambda ? fallback() : value;
}
