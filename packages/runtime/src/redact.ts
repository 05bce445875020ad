/** Replaces every occurrence of each secret value in `text` with `***`. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join("***");
  return out;
}

/** The message of an error-like value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") return (error as { message: string }).message;
  return String(error);
}

/** Cuts a JSON rendering of `value` to `max` characters, for events. */
export function preview(value: unknown, max = 256): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = "<object>";
  }
  return text.length > max ? `${text.slice(0, max)}...` : text;
}
