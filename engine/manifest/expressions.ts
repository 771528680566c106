import jsonata from "jsonata";
import { compileMapping, FALLBACK, type CompiledMapping, type FastPath } from "./expression-compiler.js";

export interface CompiledExpression {
  readonly jsonata: jsonata.Expression;
  /** Generated JavaScript with JSONata's results for the constructs manifests use (see expression-compiler.ts). */
  readonly compiled: CompiledMapping | undefined;
  /** The same without bindings, answering FALLBACK where JSONata must evaluate (event mappings). */
  readonly fastPath: FastPath | undefined;
}

const NO_BINDINGS: Readonly<Record<string, unknown>> = Object.freeze(Object.create(null) as Record<string, unknown>);

/**
 * An expression parsed by JSONata (which checks it) when the manifest loads, and compiled to JavaScript at its first
 * evaluation: loading every manifest, as the CLI and a process serving many vendors do, compiles nothing.
 */
class LazilyCompiled implements CompiledExpression {
  #compiled: CompiledMapping | undefined | null = null;
  #fastPath: FastPath | undefined | null = null;
  constructor(readonly jsonata: jsonata.Expression) {}

  get compiled(): CompiledMapping | undefined {
    if (this.#compiled === null) this.#compiled = compileMapping(this.jsonata.ast());
    return this.#compiled;
  }

  get fastPath(): FastPath | undefined {
    if (this.#fastPath === null) {
      const mapping = this.compiled;
      this.#fastPath = mapping && ((input) => evaluateCompiled(mapping, input, NO_BINDINGS));
    }
    return this.#fastPath;
  }
}

const parsed = new Map<string, CompiledExpression>();

/** Parses a JSONata expression once per process; the loader calls it for every expression at load time. */
export function compileExpression(source: string): CompiledExpression {
  let expression = parsed.get(source);
  if (!expression) {
    expression = new LazilyCompiled(jsonata(source));
    parsed.set(source, expression);
  }
  return expression;
}

/** The generated code's result, or FALLBACK when this input needs JSONata itself. */
export function evaluateCompiled(mapping: CompiledMapping, input: unknown, bindings: Readonly<Record<string, unknown>>): unknown {
  try {
    return mapping(input, bindings);
  } catch (error) {
    if (error === FALLBACK) return FALLBACK;
    throw error;
  }
}

/** The result without JSONata when the expression and input allow it (no promise, no copy), else FALLBACK. */
export function evaluateFast(source: string, input: unknown): unknown {
  const fastPath = compileExpression(source).fastPath;
  return fastPath ? fastPath(input) : FALLBACK;
}

export { FALLBACK, type FastPath };

/** JSONata returns its own sequence arrays and `undefined` for no match; results are plain JSON values. */
export async function evaluateExpression(source: string, input: unknown, bindings?: Record<string, unknown>): Promise<unknown> {
  const expression = compileExpression(source);
  if (expression.fastPath && !bindings) {
    const fast = expression.fastPath(input);
    if (fast !== FALLBACK) return fast;
  }
  const result: unknown = await expression.jsonata.evaluate(input, bindings);
  return toPlain(result);
}

function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) if (inner !== undefined) out[key] = toPlain(inner);
    return out;
  }
  return value;
}
