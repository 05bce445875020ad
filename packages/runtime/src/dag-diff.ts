/**
 * What changed between two serialised graphs, one line per change: steps added, removed, or
 * with changed fields, at any depth (`outer.b.inner` paths). Sub-graphs are recognised by
 * shape in the serialised JSON (a field holding a graph, or a record of graphs), whatever the
 * node type calls the field: the recorded dag of an earlier run has no node types to ask.
 */
export function describeDagChange(before: unknown, after: unknown, prefix = ""): string[] {
  const changes: string[] = [];
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
    const fields = [...new Set([...Object.keys(x), ...Object.keys(y)])];
    const nested = fields.filter((f) => holdsGraphs(x[f]) && holdsGraphs(y[f]));
    const changed = fields.filter((f) => !nested.includes(f) && JSON.stringify(x[f]) !== JSON.stringify(y[f]));
    if (changed.length > 0) changes.push(`step "${at(name)}" changed: ${changed.join(", ")}`);
    for (const field of nested) {
      const xv = x[field];
      const yv = y[field];
      if (isGraph(xv) && isGraph(yv)) {
        changes.push(...describeDagChange(xv, yv, `${at(name)}.*`));
        continue;
      }
      const xb = (isGraph(xv) ? {} : xv) as Record<string, unknown>;
      const yb = (isGraph(yv) ? {} : yv) as Record<string, unknown>;
      for (const key of new Set([...Object.keys(xb), ...Object.keys(yb)])) {
        if (!(key in yb)) changes.push(`branch "${at(name)}.${key}" was removed`);
        else if (!(key in xb)) changes.push(`branch "${at(name)}.${key}" was added`);
        else changes.push(...describeDagChange(xb[key], yb[key], `${at(name)}.${key}`));
      }
    }
  }
  return changes;
}

function stepsOf(g: unknown): Record<string, Record<string, unknown>> {
  return typeof g === "object" && g !== null ? ((g as { steps?: Record<string, Record<string, unknown>> }).steps ?? {}) : {};
}

function isGraph(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && typeof (value as { steps?: unknown }).steps === "object" && typeof (value as { start_at?: unknown }).start_at === "string";
}

/** A graph, or a non-empty record whose values are all graphs. */
function holdsGraphs(value: unknown): boolean {
  if (isGraph(value)) return true;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every(isGraph);
}
