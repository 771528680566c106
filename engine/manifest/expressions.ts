import jsonata from "jsonata";
import { compileFastPath, FALLBACK, type FastPath } from "./expression-fast-path.js";

export interface CompiledExpression {
  readonly jsonata: jsonata.Expression;
  /** A plain-function equivalent for the simple expressions manifests mostly use. */
  readonly fastPath: FastPath | undefined;
}

const compiled = new Map<string, CompiledExpression>();

/** Compiles a JSONata expression once per process; the loader calls it for every expression at load time. */
export function compileExpression(source: string): CompiledExpression {
  let expression = compiled.get(source);
  if (!expression) {
    const parsed = jsonata(source);
    expression = { jsonata: parsed, fastPath: compileFastPath(parsed.ast()) };
    compiled.set(source, expression);
  }
  return expression;
}

/** The result without JSONata when the expression and input allow it (no promise, no copy), else FALLBACK. */
export function evaluateFast(source: string, input: unknown): unknown {
  const fastPath = compileExpression(source).fastPath;
  return fastPath ? fastPath(input) : FALLBACK;
}

export { FALLBACK };

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
