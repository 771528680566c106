/** One thing wrong (or worth a warning) in a manifest, with where it is. */
export interface ManifestProblem {
  readonly severity: "error" | "warning";
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** JSON path of the field, e.g. /webhooks/signature/header. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: ManifestProblem): string {
  const where = `${problem.file}:${problem.line}:${problem.column}`;
  const label = problem.severity === "warning" ? "warning: " : "";
  return `${where}: ${label}${problem.message}${problem.path ? ` (at ${problem.path})` : ""}`;
}
