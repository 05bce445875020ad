/** Splits text into word-ish tokens (words and the spaces after them). */
export function tokenize(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [];
}

/**
 * A deterministic stand-in for an LLM: streams the tokens of a canned answer with a small
 * delay each, honouring the abort signal.
 */
export async function* fakeTokens(text: string, signal: AbortSignal, delayMs = 2): AsyncGenerator<string> {
  for (const token of tokenize(text)) {
    if (signal.aborted) return;
    await new Promise((r) => setTimeout(r, delayMs));
    yield token;
  }
}

/** The canned "translation": a language tag in front of the text. */
export function fakeTranslate(text: string, language: string): string {
  return `[${language}] ${text}`;
}
