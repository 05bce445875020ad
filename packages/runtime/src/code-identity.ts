import { execFile } from "node:child_process";
import type { CodeIdentity } from "@runnable-ts/sdk";

const cache = new Map<string, { at: number; identities: Promise<CodeIdentity[]>; value?: CodeIdentity[] }>();
/** How long a git identity is reused for runs in the same folder (runs per request add up). */
const REUSE_MS = 2000;

function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, timeout: 5000 }, (error, stdout) => resolve(error ? undefined : stdout.trim()));
  });
}

/**
 * The git identity of `cwd`: commit, whether the tree is clean (dependable), remote url and the
 * changed files. Empty outside a git repository. Asked of git at most once per folder every
 * two seconds (three git processes cost ~10 ms; a server may start many runs a second); once
 * known it is returned as it is, not as a promise.
 */
export function codeIdentities(cwd: string): CodeIdentity[] | Promise<CodeIdentity[]> {
  const hit = cache.get(cwd);
  // Once known, the identity itself (an attempt records it without waiting for a promise).
  if (hit && Date.now() - hit.at < REUSE_MS) return hit.value ?? hit.identities;
  const pending = (async () => {
    const commit = await git(cwd, ["rev-parse", "HEAD"]);
    if (!commit) return [];
    const [status, url] = await Promise.all([git(cwd, ["status", "--porcelain"]), git(cwd, ["config", "--get", "remote.origin.url"])]);
    const changed = (status ?? "").split("\n").filter(Boolean).map((l) => l.slice(3));
    return [
      {
        code_identifier: commit,
        code_identifier_type: "git",
        code_identifier_dependable: changed.length === 0,
        code_identifier_url: url ?? "",
        code_identifier_message: changed.length === 0 ? "" : `changes found in ${changed.slice(0, 20).join(", ")}`,
      },
    ];
  })();
  const entry: { at: number; identities: Promise<CodeIdentity[]>; value?: CodeIdentity[] } = { at: Date.now(), identities: pending };
  void pending.then((value) => (entry.value = value));
  cache.set(cwd, entry);
  if (cache.size > 100) cache.delete(cache.keys().next().value as string);
  return pending;
}
