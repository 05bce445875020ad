import { createHash } from "node:crypto";
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { Script } from "node:vm";

/** What this module uses of Node's CommonJS loader (internal, stable since Node 12). */
interface Loader {
  prototype: { _compile(content: string, filename: string): unknown };
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
  _extensions: NodeJS.RequireExtensions;
  _cache: NodeJS.Dict<NodeModule>;
  enableCompileCache?: (dir?: string) => unknown;
}

interface Entry {
  hash: string;
  /** The compiled code (read from the cache file when asked: the file is not kept in memory). */
  data(): Buffer;
  length: number;
}

/** The cache file holds at most this much code (a busy machine's union of entry points). */
const MAX_BYTES = 32 * 2 ** 20;

/** Set once the cache is installed in this process (the SDK and the CLI both ask for it). */
const INSTALLED = Symbol.for("runnable-ts.compile-cache");

/**
 * A `globalThis` slot a host sets before the SDK loads, naming the kind of process it is (the
 * CLI: `run`, `step`, `prestarted` or `cli`): each kind keeps a cache file of its own. A file
 * holds, for each module, the code of the functions that the process that compiled the module
 * ran: a step process reading what `runnable execute` compiled would deserialize code it never
 * runs and compile lazily the code it does (measured: ~40 ms more CPU than no cache at all).
 */
const COMPILE_CACHE_KIND = Symbol.for("runnable-ts.compile-cache.kind");

/**
 * Caches V8's compiled code of the CommonJS modules this process loads from installed packages
 * (a path through `node_modules`) and from runnable-ts's own packages and plugins, so the next
 * process skips parsing and compiling them (Node 20 has no module compile cache; it is ~40% of
 * start-up). On Node 22+ this is Node's own `module.enableCompileCache()`. The user's own
 * modules compile the usual way, and so does everything while source maps are enabled (`--enable-source-maps`,
 * `process.setSourceMapsEnabled`): Node maps stack traces only of code it compiled itself.
 * Entries are keyed by file and a hash of the source, so an edited file is compiled afresh; the
 * cache is a file in `dir` (default: a per-user folder in the temp folder) per kind of process
 * (see `COMPILE_CACHE_KIND`), written at exit when something was compiled, by rename (concurrent
 * processes never see a partial file).
 * `RUNNABLE_COMPILE_CACHE=off` disables it; any problem with the cache only means compiling as
 * usual. Installed once per process; later calls do nothing.
 * @param cacheable which files to cache (by absolute path); the default is described above.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env, cacheable: (filename: string) => boolean = packaged): void {
  const setting = env.RUNNABLE_COMPILE_CACHE;
  if (setting === "off" || setting === "0") return;
  const installed = globalThis as { [INSTALLED]?: true };
  if (installed[INSTALLED]) return;
  installed[INSTALLED] = true;
  const loader = Module as unknown as Loader;
  const dir = setting || join(tmpdir(), `runnable-ts-compile-cache-${process.getuid?.() ?? "user"}`);
  if (loader.enableCompileCache) {
    loader.enableCompileCache(dir);
    return;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // Another user's folder (a shared temp folder) is never read: its code would run here.
    if (process.getuid && statSync(dir).uid !== process.getuid()) return;
  } catch {
    return;
  }
  const kind = (globalThis as { [COMPILE_CACHE_KIND]?: unknown })[COMPILE_CACHE_KIND];
  const suffix = typeof kind === "string" && /^[a-z][a-z-]{0,39}$/.test(kind) ? `-${kind}` : "";
  const file = join(dir, `${process.version}-${process.arch}-${hashOf(__dirname).slice(0, 12)}${suffix}.bin`);
  const cached = readCache(file);
  const compiled = new Map<string, { hash: string; script: Script }>();
  const original = loader.prototype._compile;

  loader.prototype._compile = function compile(this: NodeModule, content: string, filename: string): unknown {
    // Node 20 loses a vm script's dynamic-import callback when the script comes from cached
    // code: a module that may call `import()` compiles the usual way.
    if (content.includes("import(") || process.sourceMapsEnabled || !cacheable(filename)) return original.call(this, content, filename);
    const hash = hashOf(content);
    const hit = cached.get(filename);
    // A hashbang is legal only at the very start of a script: keep the line, drop its text.
    const source = content.startsWith("#!") ? `//${content.slice(2)}` : content;
    let script: Script;
    try {
      script = new Script(Module.wrap(source), {
        filename,
        ...(hit && hit.hash === hash ? { cachedData: hit.data() } : {}),
      });
    } catch {
      // A syntax error: Node's own compile reports it the usual way.
      return original.call(this, content, filename);
    }
    if (!hit || hit.hash !== hash || script.cachedDataRejected === true) compiled.set(filename, { hash, script });
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, requireFor(this, loader), this, filename, dirname(filename));
  };

  process.once("exit", () => {
    if (compiled.size === 0) return;
    try {
      const entries = new Map<string, Entry>();
      for (const [name, { hash, script }] of compiled) {
        const data = script.createCachedData();
        entries.set(name, { hash, data: () => data, length: data.length });
      }
      let total = [...entries.values()].reduce((sum, e) => sum + e.length, 0);
      for (const [name, entry] of cached) {
        // Modules of deleted folders (a test's temporary project) leave the cache.
        if (entries.has(name) || total + entry.length > MAX_BYTES || !existsSync(name)) continue;
        entries.set(name, entry);
        total += entry.length;
      }
      writeCache(file, entries);
    } catch {
      // A full disk or a read-only temp folder: the next process compiles as usual.
    }
  });
}

/** Where runnable-ts's packages are: the folder holding this package (`node_modules/@runnable-ts`, or the repository's `packages`). */
const PACKAGES = dirname(dirname(__dirname)) + sep;
/**
 * The repository's built-in plugins, beside `packages` (installed, they are under `node_modules`
 * like every package): loaded by their real path, they would otherwise compile afresh in every
 * process, every step process of the `emulator` included.
 */
const PLUGINS = join(dirname(dirname(dirname(__dirname))), "plugins") + sep;

/** The default of what is cached: installed packages' modules and runnable-ts's own. */
function packaged(filename: string): boolean {
  return filename.includes(`${sep}node_modules${sep}`) || filename.startsWith(PACKAGES) || filename.startsWith(PLUGINS);
}

const hashOf = (text: string): string => createHash("sha1").update(text).digest("hex");

/** The `require` a module's code receives, as Node builds it. */
function requireFor(mod: NodeModule, loader: Loader): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => loader._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => loader._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = loader._extensions;
  require.cache = loader._cache;
  return require;
}

/**
 * Layout: a 4-byte index length, the JSON index `[file, hash, offset, length][]`, the code. Only
 * the index is read here; an entry's code is read from the still-open file when its module loads
 * (a whole file held in memory, most of it other modules', added its size to every process's
 * memory). The file is replaced by rename, never rewritten: the open one keeps its content.
 */
function readCache(file: string): Map<string, Entry> {
  const entries = new Map<string, Entry>();
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const size = fstatSync(fd).size;
    const open = fd;
    const read = (position: number, length: number): Buffer => {
      const buffer = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const n = readSync(open, buffer, done, length - done, position + done);
        if (n === 0) throw new Error("the compile cache file ends early");
        done += n;
      }
      return buffer;
    };
    const indexLength = read(0, 4).readUInt32LE(0);
    if (4 + indexLength > size) throw new Error("not a compile cache file");
    const index = JSON.parse(read(4, indexLength).toString("utf8")) as [string, string, number, number][];
    const base = 4 + indexLength;
    for (const [name, hash, offset, length] of index) {
      if (base + offset + length > size) throw new Error("the compile cache file is shorter than its index");
      entries.set(name, { hash, data: () => read(base + offset, length), length });
    }
  } catch {
    // No cache yet, or an unreadable one: it is rewritten at exit.
    entries.clear();
    if (fd !== undefined) closeSync(fd);
  }
  return entries;
}

function writeCache(file: string, entries: Map<string, Entry>): void {
  let offset = 0;
  const index: [string, string, number, number][] = [];
  for (const [name, { hash, length }] of entries) {
    index.push([name, hash, offset, length]);
    offset += length;
  }
  const header = Buffer.from(JSON.stringify(index));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length, 0);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, Buffer.concat([length, header, ...[...entries.values()].map((e) => e.data())]), { mode: 0o600 });
  renameSync(temporary, file);
}
