/** A deep copy of `root` with the leaf at `path` removed (`undefined`: an array element is spliced out) or replaced. */
export function withLeafReplaced(root: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  const copy = structuredClone(root) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  for (const step of path.slice(0, -1)) target = target[step] as Record<string, unknown>;
  const key = path[path.length - 1]!;
  if (replacement === undefined && Array.isArray(target)) target.splice(Number(key), 1);
  else if (replacement === undefined) delete target[key];
  else target[key] = replacement;
  return copy;
}
