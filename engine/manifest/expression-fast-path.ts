/**
 * Most manifest expressions are plain field reads (`type`, `$string(user_id)`, `{ "userId": ..., "data": $ }`).
 * Evaluating those through JSONata costs 2-10 us each, more than the HMAC that authenticates the request, so at load
 * time such expressions are compiled from JSONata's own syntax tree into plain functions with the same results.
 * Anything outside that subset, or an input outside it at run time (arrays, which JSONata maps over), answers
 * FALLBACK and is evaluated by JSONata itself.
 */
export const FALLBACK: unique symbol = Symbol("evaluate with JSONata");

export type FastPath = (input: unknown) => unknown;

type Node = {
  type: string;
  value?: unknown;
  steps?: Node[];
  lhs?: Node | [Node, Node][];
  rhs?: Node;
  arguments?: Node[];
  procedure?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
};

const STEP_KEYS = new Set(["type", "value", "position"]);

export function compileFastPath(ast: unknown): FastPath | undefined {
  return compile(ast as Node);
}

function compile(node: Node): FastPath | undefined {
  switch (node.type) {
    case "string":
    case "number":
    case "value": {
      const literal = node.value;
      return () => literal;
    }
    case "variable":
      return node.value === "" ? (input) => (Array.isArray(input) ? FALLBACK : input) : undefined;
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

function compilePath(node: Node): FastPath | undefined {
  const allSteps = node.steps ?? [];
  if (allSteps.length === 0 || Object.keys(node).some((key) => key !== "type" && key !== "steps")) return undefined;
  const last = allSteps[allSteps.length - 1]!;
  if (allSteps.length > 1 && last.type === "unary" && last.value === "{" && Array.isArray(last.lhs)) {
    return compileMappedObject(allSteps.slice(0, -1), last.lhs);
  }
  const read = compilePathOrArray(node);
  return read && ((input) => {
    const value = read(input);
    return Array.isArray(value) ? FALLBACK : value;
  });
}

/**
 * `names.{ ... }`: the object constructor applied to each item the path reaches. As in JSONata, no item gives
 * nothing, one item gives an object, several give an array.
 */
function compileMappedObject(steps: Node[], pairs: [Node, Node][]): FastPath | undefined {
  const path = compilePathOrArray({ type: "path", steps });
  const construct = compileObject(pairs);
  if (!path || !construct) return undefined;
  return (input) => {
    const reached = path(input);
    if (reached === FALLBACK || reached === undefined) return reached;
    const items = Array.isArray(reached) ? reached : [reached];
    const results: unknown[] = [];
    for (const item of items) {
      if (item === null || typeof item !== "object" || Array.isArray(item)) return FALLBACK;
      const result = construct(item);
      if (result === FALLBACK) return FALLBACK;
      results.push(result);
    }
    return results.length === 0 ? undefined : results.length === 1 ? results[0] : results;
  };
}

/** A path of names whose final value may be an array (but no array on the way). */
function compilePathOrArray(node: Node): FastPath | undefined {
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
    return typeof value === "number" && Math.abs(value) <= 8.64e15 ? new Date(value).toISOString() : FALLBACK;
  },
};

function compileFunction(node: Node): FastPath | undefined {
  const name = node.procedure?.type === "variable" ? String(node.procedure.value) : "";
  const apply = FUNCTIONS[name];
  if (!apply || node.arguments?.length !== 1) return undefined;
  const argument = compile(node.arguments[0]!);
  if (!argument) return undefined;
  return (input) => {
    const value = argument(input);
    return value === FALLBACK ? FALLBACK : apply(value);
  };
}

function compileCondition(node: Node): FastPath | undefined {
  const condition = node.condition && compile(node.condition);
  const then = node.then && compile(node.then);
  const otherwise = node.else ? compile(node.else) : () => undefined;
  if (!condition || !then || !otherwise) return undefined;
  return (input) => {
    const test = condition(input);
    if (test === FALLBACK || (test !== null && typeof test === "object")) return FALLBACK;
    const truthy = typeof test === "number" ? test !== 0 : typeof test === "string" ? test.length > 0 : test === true;
    return truthy ? then(input) : otherwise(input);
  };
}

function compileObject(pairs: [Node, Node][]): FastPath | undefined {
  const compiled: [string, FastPath][] = [];
  for (const [key, value] of pairs) {
    const valuePath = compile(value);
    if (key.type !== "string" || typeof key.value !== "string" || !valuePath) return undefined;
    compiled.push([key.value, valuePath]);
  }
  return (input) => {
    if (Array.isArray(input)) return FALLBACK;
    const result: Record<string, unknown> = {};
    for (const [key, valuePath] of compiled) {
      const value = valuePath(input);
      if (value === FALLBACK) return FALLBACK;
      if (value !== undefined) result[key] = value;
    }
    return result;
  };
}

function compileBinary(node: Node): FastPath | undefined {
  if (Array.isArray(node.lhs) || !node.lhs || !node.rhs) return undefined;
  const left = compile(node.lhs);
  const right = compile(node.rhs);
  if (!left || !right) return undefined;
  if (node.value === "&") {
    return (input) => {
      const a = concatOperand(left(input));
      const b = concatOperand(right(input));
      return a === FALLBACK || b === FALLBACK ? FALLBACK : a + b;
    };
  }
  if (node.value === "*" || node.value === "/" || node.value === "+" || node.value === "-") {
    const operator = node.value;
    return (input) => {
      const a = left(input);
      const b = right(input);
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
    return (input) => {
      const a = left(input);
      const b = right(input);
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

function isStructured(value: unknown): boolean {
  return value !== null && typeof value === "object";
}
