import { redactConfig, SERVICE_KINDS } from "@runnable-ts/sdk";
import { Kernel } from "@runnable-ts/kernel";
import { closeScope } from "@runnable-ts/runtime";
import type { CommandContext } from "../command";
import { table, type Output } from "../output";

/**
 * `runnable config [--json]`: which configuration file is in effect and why, and which plugin
 * (and package) serves each service kind. Loads and creates every service, so a broken plugin
 * or config section is reported here as it would be before a run.
 */
export async function configCommand(ctx: CommandContext, flags: { json: boolean }, output: Output): Promise<number> {
  const kernel = await Kernel.create(ctx.kernelOptions);
  await closeScope(await kernel.createRun());
  const services = SERVICE_KINDS.flatMap((kind) => {
    const selection = kernel.config.services[kind];
    if (!selection) return [];
    const info = kernel.registry.find(kind, selection.type);
    return [{ kind, type: selection.type, package: info.package, origin: selection.origin, config: redactConfig(selection.config) }];
  });
  if (flags.json) output.out(JSON.stringify({ file: kernel.config.file ?? null, source: kernel.config.source, services }, null, 2));
  else {
    output.out(`configuration: ${kernel.config.file ?? "(none: defaults)"} [${kernel.config.source}]`);
    output.out(table(["SERVICE", "PLUGIN", "PACKAGE", "FROM"], services.map((s) => [s.kind, s.type, s.package, s.origin])));
  }
  return 0;
}
