import jsonata from "jsonata";

export type CompiledExpression = jsonata.Expression;

const compiled = new Map<string, CompiledExpression>();

/** Compiles a JSONata expression once per process; the loader calls it for every expression at load time. */
export function compileExpression(source: string): CompiledExpression {
  let expression = compiled.get(source);
  if (!expression) {
    expression = jsonata(source);
    compiled.set(source, expression);
  }
  return expression;
}

/** JSONata returns its own sequence arrays and `undefined` for no match; normalise to plain JSON values. */
export async function evaluateExpression(source: string, input: unknown, bindings?: Record<string, unknown>): Promise<unknown> {
  const result: unknown = await compileExpression(source).evaluate(input, bindings);
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
