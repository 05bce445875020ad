/**
 * The parameters object a task receives, recording which parameters it reads: the attempt's
 * `input_parameters` are those (plus map variables / loop indices), not every parameter in
 * scope — a map over 10,000 items would otherwise copy the list into every iteration's log.
 */
export function trackUse(values: Record<string, unknown>, used: Set<string>): Record<string, unknown> {
  return new Proxy(values, {
    get(target, key, receiver) {
      if (typeof key === "string" && key in target) used.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string" && key in target) used.add(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      for (const key of Reflect.ownKeys(target)) if (typeof key === "string") used.add(key);
      return Reflect.ownKeys(target);
    },
  });
}
