/**
 * The parameters object a task receives, recording which parameters it reads: the attempt's
 * `input_parameters` are those (plus map variables / loop indices), not every parameter in
 * scope — a map over 10,000 items would otherwise copy the list into every iteration's log.
 */
export function trackUse(values: Record<string, unknown>, used: Set<string>): Record<string, unknown> {
  return new Proxy(values, new UseTracker(used));
}

/** The proxy's handler: one object per attempt, its traps on the prototype (no closures per attempt). */
class UseTracker implements ProxyHandler<Record<string, unknown>> {
  constructor(private readonly used: Set<string>) {}

  get(target: Record<string, unknown>, key: string | symbol, receiver: unknown): unknown {
    if (typeof key === "string" && key in target) this.used.add(key);
    return Reflect.get(target, key, receiver);
  }

  has(target: Record<string, unknown>, key: string | symbol): boolean {
    if (typeof key === "string" && key in target) this.used.add(key);
    return Reflect.has(target, key);
  }

  ownKeys(target: Record<string, unknown>): (string | symbol)[] {
    for (const key of Reflect.ownKeys(target)) if (typeof key === "string") this.used.add(key);
    return Reflect.ownKeys(target);
  }
}
