/**
 * What changed between two serialised graphs, one line per change: steps added, removed, or
 * with changed fields, at any depth (`outer.b.inner` paths).
 */
export function describeDagChange(before: unknown, after: unknown, prefix = ""): string[] {
  const changes: string[] = [];
  const stepsOf = (g: unknown): Record<string, Record<string, unknown>> =>
    (typeof g === "object" && g !== null ? ((g as { steps?: Record<string, Record<string, unknown>> }).steps ?? {}) : {});
  const a = stepsOf(before);
  const b = stepsOf(after);
  const at = (name: string): string => (prefix ? `${prefix}.${name}` : name);
  if ((before as { start_at?: unknown } | undefined)?.start_at !== (after as { start_at?: unknown } | undefined)?.start_at) changes.push(`${prefix || "pipeline"}: start_at changed`);
  for (const name of Object.keys(a)) if (!(name in b)) changes.push(`step "${at(name)}" was removed`);
  for (const name of Object.keys(b)) if (!(name in a)) changes.push(`step "${at(name)}" was added`);
  for (const name of Object.keys(a)) {
    const x = a[name];
    const y = b[name];
    if (!x || !y) continue;
    const fields = new Set([...Object.keys(x), ...Object.keys(y)]);
    const changed = [...fields].filter((f) => f !== "branch" && f !== "branches" && JSON.stringify(x[f]) !== JSON.stringify(y[f]));
    if (changed.length > 0) changes.push(`step "${at(name)}" changed: ${changed.join(", ")}`);
    if (x.branch !== undefined || y.branch !== undefined) changes.push(...describeDagChange(x.branch, y.branch, `${at(name)}.<branch>`));
    const xb = (x.branches ?? {}) as Record<string, unknown>;
    const yb = (y.branches ?? {}) as Record<string, unknown>;
    for (const key of new Set([...Object.keys(xb), ...Object.keys(yb)])) {
      if (!(key in yb)) changes.push(`branch "${at(name)}.${key}" was removed`);
      else if (!(key in xb)) changes.push(`branch "${at(name)}.${key}" was added`);
      else changes.push(...describeDagChange(xb[key], yb[key], `${at(name)}.${key}`));
    }
  }
  return changes;
}
