/**
 * JSONata evaluates every node through promises, 1-3 us each: more than the HMAC that authenticates a webhook for an
 * event mapping, and a millisecond for a records mapping of a few hundred nodes. This compiles an expression's
 * JSONata syntax tree once into JavaScript source with JSONata's own semantics (sequences, flattening of path steps,
 * singleton collapse, filters, blocks, lambdas) for the constructs manifests use; event mappings and records
 * mappings share it. V8 then optimises each mapping as its own function: field reads become inline caches, variables
 * become locals, calls to the records helpers can be inlined. Anything outside that subset is not compiled; anything
 * unexpected at run time (a type JSONata would reject or treat specially) throws FALLBACK, and the caller evaluates
 * the whole expression with JSONata, which stays the reference (test/manifest/ and test/records/ compare both).
 *
 * The source is made only from the syntax tree of a manifest's expression: names and literals enter it through
 * JSON.stringify, identifiers are the compiler's own; nothing of a payload ever does.
 */
import * as runtime from "./expression-runtime.js";
import { BUILTINS, FALLBACK } from "./expression-runtime.js";

export { FALLBACK };

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

/** Keys the parser adds that this compiler leaves to JSONata (grouping, focus and index bindings, tuples, ...). */
const UNSUPPORTED_KEYS = ["group", "focus", "index", "tuple", "keepArray", "keepSingletonArray", "seekingParent", "ancestor", "ancestry"];

/** Node types whose value is never a sequence (their parts' values are already collapsed). */
const NEVER_SEQUENCES = new Set(["string", "number", "value", "unary", "binary", "condition", "block", "bind", "lambda"]);
/** Binary operators whose value is a boolean or nothing, so JavaScript's truthiness is JSONata's. */
const BOOLEAN_OPERATORS = new Set(["=", "!=", "<", "<=", ">", ">=", "and", "or", "in"]);
const ARITHMETIC: Readonly<Record<string, string>> = { "+": "add", "-": "subtract", "*": "multiply", "/": "divide" };
const COMPARISONS: Readonly<Record<string, string>> = { "<": "less", "<=": "lessOrEqual", ">": "greater", ">=": "greaterOrEqual" };

class Unsupported extends Error {}

/** Source length past which an expression is left to JSONata (the shipped ones stay under 40 KB). */
const MAX_SOURCE_LENGTH = 256 * 1024;

/** What a block, a lambda or the whole expression binds: a JavaScript variable a name. */
class Scope {
  readonly variables = new Map<string, string>();
  constructor(
    readonly parent: Scope | undefined,
    private readonly fresh: (prefix: string) => string,
  ) {}
  variableOf(name: string): string {
    let variable = this.variables.get(name);
    if (variable === undefined) this.variables.set(name, (variable = this.fresh("v")));
    return variable;
  }
}

/**
 * The generated function being written: the variables of the blocks in it and the temporaries its expressions need,
 * declared at its top.
 */
class FunctionBody {
  readonly locals = new Set<string>();
}

export function compileMapping(ast: unknown): CompiledMapping | undefined {
  let source: string;
  const generator = new SourceGenerator();
  try {
    source = generator.program(ast as Node);
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
  try {
    return new Function("runtime", "BUILTINS", source)(runtime, BUILTINS) as CompiledMapping;
  } catch {
    return undefined; // source V8 refuses (too deep to parse, say) is evaluated by JSONata
  }
}

let compiledCount = 0;

/** Writes an expression's source: each node an expression over the current context item, held in `context`. */
class SourceGenerator {
  private counter = 0;
  private readonly scopes = new Map<Node, Scope>();
  private scope: Scope;
  private body = new FunctionBody();
  /** The caller's bindings an expression reads, each read once per evaluation into a variable. */
  private readonly bindings = new Map<string, string>();
  private readonly builtins = new Map<string, string>();
  /** JSON text of a value made once with the function (a literal constructor, a path's names) -> its name. */
  private readonly literals = new Map<string, string>();

  constructor() {
    this.scope = new Scope(undefined, this.fresh);
  }

  private readonly fresh = (prefix: string): string => `${prefix}${this.counter++}`;

  private temporary(): string {
    const name = this.fresh("t");
    this.body.locals.add(name);
    return name;
  }

  program(ast: Node): string {
    const root = this.scope;
    this.collectScopes(ast, root);
    const expression = this.compile(ast, "input");
    const locals = new Set([...root.variables.values(), ...this.body.locals]);
    const helpers = Object.keys(runtime).filter((name) => name !== "FALLBACK" && name !== "BUILTINS");
    return [
      `"use strict";`,
      `const { ${helpers.join(", ")} } = runtime;`,
      ...[...this.builtins].map(([name, variable]) => `const ${variable} = BUILTINS[${JSON.stringify(name)}];`),
      // JSON text is a JavaScript expression (object keys never "__proto__": see literalConstructor); the factory
      // gives each stored copy from V8's boilerplate of the literal, far cheaper than a JSON round trip.
      ...[...this.literals].map(([text, variable]) => `const ${variable} = literalValue(${text}, () => (${text}));`),
      `return function mapping(root, bindings) {`,
      // `$` alone is the input itself: a top-level array (Fitbit's notifications) is not wrapped to be unwrapped again.
      ...(isContextItem(ast)
        ? [`  return plain(root);`]
        : [
            `  const input = outerInput(root);`,
            ...[...this.bindings].map(([name, variable]) => `  const ${variable} = bindings[${JSON.stringify(name)}];`),
            locals.size > 0 ? `  let ${[...locals].join(", ")};` : "",
            `  return plain(${expression});`,
          ]),
      `};`,
      // Names the code in profiles and stack traces.
      `//# sourceURL=jsonata-mapping-${++compiledCount}.js`,
    ].join("\n");
  }

  /** Gives each block and lambda its scope, and each scope the names bound directly in it. */
  private collectScopes(node: unknown, current: Scope): void {
    if (Array.isArray(node)) {
      for (const item of node) this.collectScopes(item, current);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const { type, lhs, arguments: parameters, thunk } = node as Node;
    let inner = current;
    if (type === "block" || (type === "lambda" && !thunk)) {
      inner = new Scope(current, this.fresh);
      this.scopes.set(node as Node, inner);
    }
    if (type === "lambda" && !thunk) for (const parameter of parameters ?? []) if (typeof parameter.value === "string") inner.variableOf(parameter.value);
    if (type === "bind" && lhs && !Array.isArray(lhs) && lhs.type === "variable" && typeof lhs.value === "string") current.variableOf(lhs.value);
    for (const [key, value] of Object.entries(node)) {
      if (type === "lambda" && key === "arguments") continue;
      this.collectScopes(value, inner);
    }
  }

  /** Source for a function of `parameters` whose value is what `build` writes, with its own temporaries. */
  private functionOf(parameters: readonly string[], build: () => string, variables: readonly string[] = []): string {
    const outer = this.body;
    this.body = new FunctionBody();
    try {
      const expression = build();
      const locals = [...new Set([...variables, ...this.body.locals])];
      if (locals.length === 0) return `((${parameters.join(", ")}) => ${expression})`;
      return `((${parameters.join(", ")}) => { let ${locals.join(", ")}; return ${expression}; })`;
    } finally {
      this.body = outer;
    }
  }

  private inScope<T>(node: Node, build: (inner: Scope) => T): T {
    const inner = this.scopes.get(node);
    if (!inner) throw new Unsupported(node.type);
    const outer = this.scope;
    this.scope = inner;
    try {
      return build(inner);
    } finally {
      this.scope = outer;
    }
  }

  /**
   * A name's value: the nearest scope's variable that holds something, else the caller's binding. As in JSONata, a
   * name bound to nothing (or not yet) reads through to the enclosing scopes.
   */
  private read(name: string): string {
    let binding = this.bindings.get(name);
    if (binding === undefined) this.bindings.set(name, (binding = this.fresh("b")));
    let source = binding;
    const variables: string[] = [];
    for (let at: Scope | undefined = this.scope; at; at = at.parent) {
      const variable = at.variables.get(name);
      if (variable !== undefined) variables.push(variable);
    }
    for (const variable of variables.reverse()) source = `(${variable} !== undefined ? ${variable} : ${source})`;
    return source;
  }

  private compile(node: Node, context: string): string {
    if (UNSUPPORTED_KEYS.some((key) => key in node)) throw new Unsupported(node.type);
    const base = this.compileNode(node, context);
    // Paths carry their generic form beside the fast one, so nesting doubles the source: past a bound, JSONata's.
    if (base.length > MAX_SOURCE_LENGTH) throw new Unsupported("too large");
    const filters = node.predicate ?? [];
    if (filters.length === 0) return NEVER_SEQUENCES.has(node.type) ? base : `collapse(${base})`;
    let value = base;
    for (const filter of filters) value = this.filter(filter, value);
    return `collapse(${value})`;
  }

  private filter(filter: Node, value: string): string {
    if (filter.type !== "filter" || !filter.expr || filter.expr.type === "number") throw new Unsupported("filter");
    const item = this.fresh("x");
    return `filterBy(${value}, ${this.functionOf([item], () => this.compile(filter.expr!, item))})`;
  }

  /** A stage of a path step, as a function of the step's value. */
  private stage(filter: Node): string {
    const value = this.fresh("s");
    return this.functionOf([value], () => this.filter(filter, value));
  }

  private compileNode(node: Node, context: string): string {
    switch (node.type) {
      case "string":
      case "number":
      case "value":
        return literal(node.value);
      case "variable":
        return this.variable(String(node.value), context);
      case "name":
        return `lookup(${context}, ${JSON.stringify(String(node.value))})`;
      case "path":
        return this.path(node, context);
      case "block":
        return this.block(node, context);
      case "bind":
        return this.bind(node, context);
      case "condition":
        return this.condition(node, context);
      case "unary":
        return this.unary(node, context);
      case "binary":
        return this.binary(node, context);
      case "function":
        return this.call(node, context);
      case "lambda":
        return this.lambda(node, context);
      default:
        throw new Unsupported(node.type);
    }
  }

  private variable(name: string, context: string): string {
    if (name === "") return `contextValue(${context})`;
    if (name === "$") return "root";
    const value = this.read(name);
    if (!Object.hasOwn(BUILTINS, name)) return value;
    const held = this.temporary();
    return `((${held} = ${value}) === undefined ? fallback() : ${held})`; // a built-in function used as a value
  }

  private path(node: Node, context: string): string {
    const steps = node.steps ?? [];
    const plainName = (step: Node) => step.type === "name" && typeof step.value === "string" && !step.stages && !step.predicate && !UNSUPPORTED_KEYS.some((key) => key in step);
    const first = steps[0];
    // `$var.a.b` (or `$.a`): the variable's value, then names.
    const start = first?.type === "variable" && !first.predicate && !first.stages && steps.length > 1 ? this.compile(first, context) : undefined;
    const rest = start ? steps.slice(1) : steps;
    const last = rest[rest.length - 1];
    if (!start && rest.length > 1 && last?.type === "unary" && last.value === "{" && !last.predicate && !last.stages && rest.slice(0, -1).every(plainName)) {
      const reached = this.fields(context, rest.slice(0, -1).map((step) => step.value as string));
      const item = this.fresh("x");
      const construct = this.functionOf([item], () => this.compile(last, item));
      const generic = this.functionOf([], () => this.genericPath(steps, context));
      return `constructEach(${reached}, ${construct}, ${generic})`;
    }
    if (!rest.every(plainName)) return steps.length === 2 ? this.twoSteps(steps as [Node, Node], context) : this.genericPath(steps, context);
    // A path of names through objects (no array on the way) is the value at its end, as JSONata's steps give it;
    // through arrays, JSONata's walk over the same names.
    const names = rest.map((step) => step.value as string);
    const reached = this.temporary();
    if (!start) return `((${reached} = ${this.fields(context, names)}) === THROUGH_ARRAY ? namesPath(${context}, undefined, false, ${this.literalConstant(names)}) : ${reached})`;
    const from = this.temporary();
    return `(${from} = ${start}, (${reached} = ${this.fields(from, names)}) === THROUGH_ARRAY ? namesPath(${context}, ${from}, true, ${this.literalConstant(names)}) : ${reached})`;
  }

  /** JSON data made once with the function: frozen, and copied wherever it is stored. */
  private literalConstant(value: unknown): string {
    const text = JSON.stringify(value);
    let name = this.literals.get(text);
    if (name === undefined) this.literals.set(text, (name = this.fresh("literal")));
    return name;
  }

  /**
   * `a.b` of any two steps (`$.( ... )`, `$f(x).{ ... }`, `$list.{ ... }`): when the first gives one item that is no
   * array, the second is evaluated on it alone; anything else takes the generic path.
   */
  private twoSteps([first, second]: [Node, Node], context: string): string {
    const generic = this.genericPath([first, second], context);
    if (first.stages || second.stages || first.consarray) return generic;
    const head = this.temporary();
    const item = this.fresh("x");
    const tail = this.functionOf([item], () => `onlyStep(${this.compile(second, item)})`);
    // Only a first step that is a variable ignores an array context.
    const value = first.type === "variable" ? this.compile(first, context) : `(Array.isArray(${context}) ? THROUGH_ARRAY : ${this.compile(first, context)})`;
    return `((${head} = ${value}) === undefined ? undefined : ${head} === THROUGH_ARRAY || Array.isArray(${head}) ? ${generic} : ${tail}(${head}))`;
  }

  /** Reads names one after the other through objects: THROUGH_ARRAY where an array is met on the way. */
  private fields(from: string, names: readonly string[]): string {
    const current = this.temporary();
    let source = from;
    for (const name of names) {
      source =
        `((${current} = ${source}) !== null && typeof ${current} === "object" ? ` +
        `(Array.isArray(${current}) ? THROUGH_ARRAY : ${ownField(current, name)}) : ` +
        `${current} === THROUGH_ARRAY ? THROUGH_ARRAY : undefined)`;
    }
    return source;
  }

  private genericPath(steps: Node[], context: string): string {
    const firstIsVariable = steps[0]?.type === "variable";
    const evaluators: string[] = [];
    const stages: string[] = [];
    for (const step of steps) {
      const item = this.fresh("x");
      evaluators.push(this.functionOf([item], () => this.compile(step, item)));
      stages.push(step.stages?.length ? `[${step.stages.map((filter) => this.stage(filter)).join(", ")}]` : "undefined");
    }
    const consFirst = steps[0]?.consarray === true;
    return `walkPath(${context}, ${firstIsVariable}, ${consFirst}, [${evaluators.join(", ")}], [${stages.join(", ")}])`;
  }

  /**
   * A block's variables live in the generated function around it: code outside callbacks runs at most once per call
   * of that function (every loop is a callback, a function of its own), so each evaluation of the block starts with
   * them unset, as a fresh JSONata frame does.
   */
  private block(node: Node, context: string): string {
    return this.inScope(node, (inner) => {
      for (const variable of inner.variables.values()) this.body.locals.add(variable);
      return `(${(node.expressions ?? []).map((expression) => this.compile(expression, context)).join(", ") || "undefined"})`;
    });
  }

  private bind(node: Node, context: string): string {
    const target = node.lhs as Node | undefined;
    if (target?.type !== "variable" || typeof target.value !== "string" || !node.rhs) throw new Unsupported("bind");
    const variable = this.scope.variableOf(target.value);
    return `(${variable} = ${this.compile(node.rhs, context)})`;
  }

  private condition(node: Node, context: string): string {
    const test = this.compile(node.condition!, context);
    const knownBoolean = node.condition!.type === "binary" && BOOLEAN_OPERATORS.has(String(node.condition!.value)) && !node.condition!.predicate;
    const then = this.compile(node.then!, context);
    const otherwise = node.else ? this.compile(node.else, context) : "undefined";
    return `(${knownBoolean ? test : `boolean(${test})`} ? ${then} : ${otherwise})`;
  }

  private unary(node: Node, context: string): string {
    const literal = literalConstructor(node);
    if (literal) {
      // Made once with the function: a table the mapping looks things up in is not rebuilt per evaluation.
      const name = this.literalConstant(literal.value);
      return literal.hasObject ? `(Array.isArray(${context}) && fallback(), ${name})` : name;
    }
    if (node.value === "-") return `negate(${this.compile(node.expressions?.[0] ?? (node as { expression?: Node }).expression!, context)})`;
    if (node.value === "[") {
      const list = this.temporary();
      const value = this.temporary();
      const items = (node.expressions ?? []).map((item) => {
        const nested = item.type === "unary" && item.value === "[";
        return `((${value} = ${this.compile(item, context)}) !== undefined && pushItem(${list}, ${value}, ${nested}))`;
      });
      const result = node.consarray === true ? `constructed(${list})` : list;
      return `(${[`${list} = []`, ...items, result].join(", ")})`;
    }
    if (node.value === "{" && Array.isArray(node.lhs)) {
      const object = this.temporary();
      const value = this.temporary();
      const seen = new Set<string>();
      const entries = node.lhs.map(([key, entry]) => {
        if (key.type !== "string" || typeof key.value !== "string" || seen.has(key.value) || key.value === "__proto__") throw new Unsupported("object key");
        seen.add(key.value);
        const compiled = this.compile(entry, context);
        const stored = entry.type === "string" || entry.type === "number" || entry.type === "value" ? value : `plain(${value})`;
        return `((${value} = ${compiled}) !== undefined && (${object}[${JSON.stringify(key.value)}] = ${stored}))`;
      });
      // An object constructor over a sequence groups its items: JSONata's to do.
      return `(${[`Array.isArray(${context}) && fallback()`, `${object} = {}`, ...entries, object].join(", ")})`;
    }
    throw new Unsupported(`unary ${String(node.value)}`);
  }

  private binary(node: Node, context: string): string {
    if (Array.isArray(node.lhs) || !node.lhs || !node.rhs) throw new Unsupported("binary");
    const operator = String(node.value);
    const left = this.compile(node.lhs, context);
    const right = this.compile(node.rhs, context);
    if (Object.hasOwn(ARITHMETIC, operator)) return `${ARITHMETIC[operator]}(${left}, ${right})`;
    if (Object.hasOwn(COMPARISONS, operator)) return `${COMPARISONS[operator]}(${left}, ${right})`;
    switch (operator) {
      case "&":
        return `(concatOperand(${left}) + concatOperand(${right}))`;
      case "=":
        return `equals(${left}, ${right})`;
      case "!=":
        return `notEquals(${left}, ${right})`;
      case "and":
        return `(booleanOrFalse(${left}) && booleanOrFalse(${right}))`;
      case "or":
        return `(booleanOrFalse(${left}) || booleanOrFalse(${right}))`;
      case "in":
        return `isIn(${left}, ${right})`;
      default:
        throw new Unsupported(`binary ${operator}`);
    }
  }

  private lambda(node: Node, context: string): string {
    if (node.thunk) return this.compile(node.body!, context); // the parser's tail-call wrapper: evaluating in place gives the same value
    if (node.signature !== undefined) throw new Unsupported("signature");
    const names = (node.arguments ?? []).map((parameter) => (parameter.type === "variable" && typeof parameter.value === "string" ? parameter.value : undefined));
    if (names.some((name, index) => name === undefined || names.indexOf(name) !== index)) throw new Unsupported("parameter");
    return this.inScope(node, (inner) => {
      const parameters = (node.arguments ?? []).map((parameter) => inner.variableOf(parameter.value as string));
      const others = [...inner.variables.values()].filter((variable) => !parameters.includes(variable));
      return `new Lambda(${this.functionOf(parameters, () => this.compile(node.body!, context), others)})`;
    });
  }

  /**
   * `$name(args)`: the arguments first, then the name: a function the caller bound is called directly (each call
   * site its own, which V8 can inline), a lambda through its function, else the built-in of that name.
   */
  private call(node: Node, context: string): string {
    if (node.procedure?.type !== "variable" || typeof node.procedure.value !== "string") throw new Unsupported("call");
    const name = node.procedure.value;
    const values: string[] = [];
    const assignments = (node.arguments ?? []).map((argument) => {
      if (argument.type === "variable" && argument.value === "?") throw new Unsupported("partial application");
      const value = this.temporary();
      values.push(value);
      return `${value} = ${this.compile(argument, context)}`;
    });
    const procedure = this.temporary();
    const builtin = Object.hasOwn(BUILTINS, name) ? BUILTINS[name] : undefined;
    let otherwise = "fallback()";
    if (builtin && (builtin.arity === undefined || builtin.arity === values.length)) {
      let variable = this.builtins.get(name);
      if (variable === undefined) this.builtins.set(name, (variable = this.fresh("builtin")));
      otherwise = `${variable}.apply([${values.join(", ")}])`;
    }
    const args = values.join(", ");
    const invoke =
      `(typeof ${procedure} === "function" ? synchronous(${procedure}(${args})) : ` +
      `${procedure} instanceof Lambda ? ${procedure}.fn(${args}) : ${procedure} !== undefined ? fallback() : ${otherwise})`;
    return `(${[...assignments, `${procedure} = ${this.read(name)}`, invoke].join(", ")})`;
  }
}

/** `$` with nothing applied to it (no predicate, stage or path). */
function isContextItem(node: Node): boolean {
  return node.type === "variable" && node.value === "" && Object.keys(node).every((key) => key === "type" || key === "value" || key === "position");
}

const LITERALS = new Set(["string", "number", "value"]);

/**
 * The value of an array or object constructor made of literals only (`[{ "id": 0, "name": "BIKING" }, ...]`), with
 * whether an object constructor is among them (JSONata groups those over an array context); undefined for anything
 * else. Array constructors at a path's ends (`consarray`) keep their own treatment.
 */
function literalConstructor(node: Node): { value: unknown; hasObject: boolean } | undefined {
  let hasObject = false;
  const valueOf = (item: Node): { value: unknown } | undefined => {
    if (item.predicate || item.stages || UNSUPPORTED_KEYS.some((key) => key in item)) return undefined;
    if (LITERALS.has(item.type)) return typeof item.value === "number" && !Number.isFinite(item.value) ? undefined : { value: item.value };
    if (item.type !== "unary") return undefined;
    if (item.value === "[" && item.consarray !== true) {
      const values: unknown[] = [];
      for (const member of item.expressions ?? []) {
        const found = valueOf(member);
        if (!found) return undefined;
        values.push(found.value);
      }
      return { value: values };
    }
    if (item.value === "{" && Array.isArray(item.lhs)) {
      const object: Record<string, unknown> = {};
      for (const [key, entry] of item.lhs) {
        if (key.type !== "string" || typeof key.value !== "string" || key.value === "__proto__" || Object.hasOwn(object, key.value)) return undefined;
        const found = valueOf(entry);
        if (!found) return undefined;
        object[key.value] = found.value;
      }
      hasObject = true;
      return { value: object };
    }
    return undefined;
  };
  if (node.type !== "unary" || (node.value !== "[" && node.value !== "{")) return undefined;
  // The node's own predicate is applied by `compile` after it: only its parts must be plain.
  const found = valueOf({ ...node, predicate: undefined, stages: undefined } as Node);
  return found && { value: found.value, hasObject };
}

function literal(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) throw new Unsupported("number");
  return JSON.stringify(value);
}

/**
 * An object's own field. Payloads are JSON objects, whose prototype is Object.prototype: a name it does not have is
 * read directly (an inline cache in V8); one it has (`constructor`, `__proto__`, ...) is checked to be the object's own.
 */
function ownField(object: string, name: string): string {
  const key = JSON.stringify(name);
  if (name in Object.prototype) return `(Object.hasOwn(${object}, ${key}) ? ${object}[${key}] : undefined)`;
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${object}.${name}` : `${object}[${key}]`;
}
