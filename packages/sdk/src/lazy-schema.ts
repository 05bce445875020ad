/**
 * A schema (or any object) built the first time it is used: `build` runs on the first property
 * access, and every operation is forwarded to what it built (methods, `instanceof`, use inside
 * another schema). For module-level schemas, so that importing the SDK builds none of the ones a
 * process never uses (each zod 4 schema costs tens of microseconds; the run-log schemas are
 * most of the SDK's import time after zod itself).
 */
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const real = (): T => (built ??= build());
  return new Proxy({} as T, {
    get: (_, key) => {
      const target = real();
      return Reflect.get(target, key, target) as unknown;
    },
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      // The proxy's own target lacks the property: a proxy may only report it as configurable.
      return descriptor && { ...descriptor, configurable: true };
    },
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(real(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
