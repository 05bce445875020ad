import { relative } from "node:path";
import { Kernel, type DiscoveryProblem } from "@runnable-ts/kernel";
import type { Output } from "../output";
import { table } from "../output";
import type { CommandContext } from "../command";

/** `runnable plugins [--json] [--check]`: every discovered plugin, and every problem. */
export async function pluginsCommand(ctx: CommandContext, flags: { json: boolean; check: boolean }, output: Output): Promise<number> {
  const kernel = await Kernel.create(ctx.kernelOptions);
  const { plugins, problems } = kernel.registry.list();
  if (flags.check) problems.push(...(await loadProblems(kernel, problems)));
  if (flags.json) {
    output.out(
      JSON.stringify(
        {
          plugins: plugins.map((p) => ({ kind: p.kind, name: p.name, package: p.package, version: p.version, entry: p.entry, file: p.file, source: p.source })),
          problems,
        },
        null,
        2,
      ),
    );
  } else {
    output.out(
      table(
        ["KIND", "NAME", "PACKAGE", "VERSION", "ENTRY", "SOURCE"],
        plugins.map((p) => [p.kind, p.name, p.package, p.version, p.entry, p.source]),
      ),
    );
    if (problems.length > 0) {
      output.out(`\nProblems (${problems.length}):`);
      for (const p of problems) output.out(`  ${p.code} ${p.package} ${p.path}: ${p.message}`);
    }
    output.out(`\n${plugins.length} plugins, project ${relative(ctx.kernelOptions.cwd ?? process.cwd(), kernel.environment.projectRoot) || "."}`);
  }
  return flags.check && problems.length > 0 ? 1 : 0;
}

async function loadProblems(kernel: Kernel, known: DiscoveryProblem[]): Promise<DiscoveryProblem[]> {
  const found: DiscoveryProblem[] = [];
  const conflicted = new Set(known.filter((p) => p.code === "E_PLUGIN_CONFLICT").map((p) => p.path));
  for (const p of kernel.registry.discovery.plugins) {
    const path = `runnable.${p.kind}.${p.name}`;
    if (conflicted.has(path)) continue;
    try {
      await kernel.registry.load(p.kind, p.name);
    } catch (error) {
      const e = error as { code?: string; message?: string };
      found.push({ code: e.code === "E_PLUGIN_INVALID" ? "E_PLUGIN_INVALID" : "E_PLUGIN_LOAD", package: p.package, path, message: e.message ?? String(error) });
    }
  }
  return found;
}
