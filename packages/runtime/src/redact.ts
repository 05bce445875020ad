/** Replaces every occurrence of each secret value in `text` with `***`. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join("***");
  return out;
}

/**
 * Masks secret values in text that arrives in pieces (a shell's output pipe can split a value
 * across two chunks): {@link Masker.push} returns what is safe to write now, holding back a
 * tail that may still begin a secret; {@link Masker.end} returns the rest.
 */
export class Masker {
  private tail = "";
  private readonly longest: number;

  constructor(private readonly secrets: readonly string[]) {
    this.longest = Math.max(0, ...secrets.map((s) => s.length));
  }

  /** Appends `text`; resolves to the masked text that can no longer be part of a secret. */
  push(text: string): string {
    const buffer = this.tail + text;
    let cut = Math.max(0, buffer.length - (this.longest - 1));
    // Never cut through an occurrence: move the cut to its start (and look again).
    for (let moved = true; moved && cut > 0; ) {
      moved = false;
      for (const secret of this.secrets) {
        if (secret.length === 0) continue;
        const at = buffer.indexOf(secret, Math.max(0, cut - secret.length + 1));
        if (at >= 0 && at < cut) {
          cut = at;
          moved = true;
        }
      }
    }
    this.tail = buffer.slice(cut);
    return redact(buffer.slice(0, cut), this.secrets);
  }

  /** The masked remainder, left in place (for reading a log that is still being written). */
  pending(): string {
    return redact(this.tail, this.secrets);
  }

  /** The masked remainder. */
  end(): string {
    const rest = redact(this.tail, this.secrets);
    this.tail = "";
    return rest;
  }
}

/**
 * A copy of `value` with secret values masked in every string (keys included), for events a
 * task emits. Values without a secret are returned as they are (no copy).
 */
export function maskDeep<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === "string") return redact(value, secrets) as T;
  if (depth > 50 || typeof value !== "object" || value === null || !containsSecret(value, secrets)) return value;
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, secrets, depth + 1)) as T;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return redact(String(value), secrets) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k, secrets), maskDeep(v, secrets, depth + 1)])) as T;
}

/**
 * True when a secret value occurs in `value`: in a string, a key, or anything nested in arrays,
 * plain objects, Maps, Sets and class instances' own fields.
 */
export function containsSecret(value: unknown, secrets: readonly string[], depth = 0, seen = new Set<object>()): boolean {
  if (secrets.length === 0) return false;
  if (typeof value === "string") return secrets.some((s) => s.length > 0 && value.includes(s));
  if (typeof value === "number" || typeof value === "bigint") return containsSecret(String(value), secrets);
  if (typeof value !== "object" || value === null || depth > 100 || seen.has(value)) return false;
  seen.add(value);
  const nested = (v: unknown): boolean => containsSecret(v, secrets, depth + 1, seen);
  if (value instanceof Map) {
    for (const [k, v] of value) if (nested(k) || nested(v)) return true;
    return false;
  }
  if (value instanceof Set || Array.isArray(value)) {
    for (const v of value as Iterable<unknown>) if (nested(v)) return true;
    return false;
  }
  if (ArrayBuffer.isView(value)) return false;
  if (value instanceof Date) return false;
  for (const [k, v] of Object.entries(value)) if (nested(k) || nested(v)) return true;
  return false;
}

/** The message of an error-like value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
  return String(error);
}

/**
 * What a task threw, as an attempt's message: an Error's (or error-like object's) message, else
 * what was thrown (`throw undefined` → "the task threw undefined (not an Error)").
 */
export function thrownMessage(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || `${thrown.name} (no message)`;
  if (typeof thrown === "object" && thrown !== null && typeof (thrown as { message?: unknown }).message === "string") return (thrown as { message: string }).message;
  return `the task threw ${preview(thrown, 200)} (not an Error)`;
}

/**
 * A JSON rendering of `value` cut to `max` characters, for events. Bounded work: it stops
 * walking once `max` characters are written, so a preview of a 10,000-item list costs as much as
 * one of ten items. Getters and proxies are read like any object's fields.
 */
export function preview(value: unknown, max = 256): string {
  const out: string[] = [];
  let length = 0;
  const put = (text: string): boolean => {
    out.push(text);
    length += text.length;
    return length <= max;
  };
  const walk = (v: unknown, depth: number): boolean => {
    if (v === undefined) return put(depth === 0 ? "undefined" : "null");
    if (v === null || typeof v === "boolean") return put(String(v));
    if (typeof v === "number") return put(Number.isFinite(v) ? String(v) : "null");
    if (typeof v === "string") return put(JSON.stringify(v.length > max ? v.slice(0, max + 1) : v));
    if (typeof v === "bigint") return put(`${v}n`);
    if (typeof v !== "object" || depth > 20) return put(typeof v === "function" ? "<function>" : "<object>");
    if (Array.isArray(v)) {
      if (!put("[")) return false;
      for (let i = 0; i < v.length; i++) if ((i > 0 && !put(",")) || !walk(v[i], depth + 1)) return false;
      return put("]");
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null && !(typeof (v as { toJSON?: unknown }).toJSON === "function")) {
      if (v instanceof Map || v instanceof Set) return put(`<${v.constructor.name} of ${v.size}>`);
    }
    if (typeof (v as { toJSON?: unknown }).toJSON === "function") {
      let json: unknown;
      try {
        json = (v as { toJSON(): unknown }).toJSON();
      } catch {
        return put("<object>");
      }
      return walk(json, depth + 1);
    }
    if (!put("{")) return false;
    let first = true;
    for (const key of Object.keys(v)) {
      const item = (v as Record<string, unknown>)[key];
      if (item === undefined || typeof item === "function") continue;
      if ((!first && !put(",")) || !put(`${JSON.stringify(key)}:`) || !walk(item, depth + 1)) return false;
      first = false;
    }
    return put("}");
  };
  try {
    walk(value, 0);
  } catch {
    return "<object>";
  }
  const text = out.join("");
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
