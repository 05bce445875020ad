import { parseArgs } from "node:util";
import { RunnableError } from "@runnable-ts/sdk";
import type { CommandContext } from "./command";
import { debugEnabled, formatError } from "./errors";
// Commands (and the runtime they pull in) load only when run: `runnable --help` stays fast.
// `require`, not a dynamic import: importing CommonJS dynamically starts Node's ES module loader, which
// parses each file again for its export names (and a file that imports dynamically misses the compile cache).
const commands = {
  config: async (): Promise<typeof import("./commands/config")> => require("./commands/config"),
  execute: async (): Promise<typeof import("./commands/execute")> => require("./commands/execute"),
  show: async (): Promise<typeof import("./commands/show")> => require("./commands/show"),
  plugins: async (): Promise<typeof import("./commands/plugins")> => require("./commands/plugins"),
  cache: async (): Promise<typeof import("./commands/cache")> => require("./commands/cache"),
  // Seeing a run (graph, timeline, ui).
  graph: async (): Promise<typeof import("./commands/graph")> => require("./commands/graph"),
  timeline: async (): Promise<typeof import("./commands/timeline")> => require("./commands/timeline"),
  ui: async (): Promise<typeof import("./commands/ui")> => require("./commands/ui"),
};
import { processOutput, type Output } from "./output";

interface CommandSpec {
  summary: string;
  usage: string;
  options: Record<string, { type: "boolean" | "string"; short?: string; description: string }>;
  run(ctx: CommandContext, values: Record<string, string | boolean | undefined>, positionals: string[], output: Output): Promise<number>;
}

const COMMON = {
  config: { type: "string", short: "c", description: "configuration file (else RUNNABLE_CONFIGURATION_FILE, else searched)" },
  help: { type: "boolean", short: "h", description: "show help" },
} as const;

/** `--json` and `--quiet`: every command that runs something takes both. */
const OUTPUT = {
  json: { type: "boolean", description: "print the final run log as JSON, nothing else" },
  quiet: { type: "boolean", description: "print only the final line" },
  events: { type: "boolean", description: "print one JSON event per line as they happen, nothing else" },
} as const;

/** The `--json` / `--quiet` / `--events` flags of a command line. */
function outputFlags(v: Record<string, string | boolean | undefined>): { json: boolean; quiet: boolean; events: boolean } {
  return { json: v.json === true, quiet: v.quiet === true, events: v.events === true };
}

const COMMANDS: Record<string, CommandSpec> = {
  execute: {
    summary: "Run a pipeline: a YAML file, or a .ts/.js module exporting `pipeline`",
    usage: "runnable execute <file> [-c config] [-p parameters] [--run-id id] [--tag tag] [--json|--quiet|--events]",
    options: {
      ...COMMON,
      parameters: { type: "string", short: "p", description: "parameters file, YAML or JSON (else RUNNABLE_PARAMETERS_FILE)" },
      "run-id": { type: "string", description: "run id (else RUNNABLE_RUN_ID, else generated)" },
      tag: { type: "string", description: "a tag recorded in the run log" },
      ...OUTPUT,
    },
    run: async (ctx, v, p, out) => {
      const file = p[0];
      if (!file) throw usage("execute needs the pipeline file");
      return (await commands.execute()).executeCommand(ctx, file, { parameters: str(v.parameters), runId: str(v["run-id"]), tag: str(v.tag), ...outputFlags(v) }, out);
    },
  },
  retry: {
    summary: "Re-run a failed run from its point of failure (same definition, same parameters)",
    usage: "runnable retry <run_id> [--from <internal name>] [-c config] [--json|--quiet|--events]",
    options: { ...COMMON, from: { type: "string", description: "run this step and everything after it again, even what succeeded" }, ...OUTPUT },
    run: async (ctx, v, p, out) => {
      if (!p[0]) throw usage("retry needs a run id");
      return (await commands.execute()).retryCommand(ctx, p[0], { ...outputFlags(v), from: str(v.from) }, out);
    },
  },
  resume: {
    summary: "Resume a SUSPENDED run: run its suspended step again with the given data, then go on",
    usage: "runnable resume <run_id> [--step <internal name>] [--data JSON | --data-file FILE] [-c config] [--json|--quiet|--events]",
    options: {
      ...COMMON,
      step: { type: "string", description: "the suspended step to resume (required when several are suspended)" },
      data: { type: "string", description: "JSON given to the resumed attempt as ctx.resumeData" },
      "data-file": { type: "string", description: "a file holding that JSON" },
      ...OUTPUT,
    },
    run: async (ctx, v, p, out) => {
      if (!p[0]) throw usage("resume needs a run id");
      if (v.data !== undefined && v["data-file"] !== undefined) throw usage("resume takes --data or --data-file, not both");
      return (await commands.execute()).resumeCommand(ctx, p[0], { step: str(v.step), data: str(v.data), dataFile: str(v["data-file"]), ...outputFlags(v) }, out);
    },
  },
  "execute-job": {
    summary: "Run a job: a module exporting `job` (a FunctionJob or ShellJob)",
    usage: "runnable execute-job <file> [-c config] [-p parameters] [--run-id id] [--tag tag] [--export name] [--json|--quiet]",
    options: {
      ...COMMON,
      parameters: { type: "string", short: "p", description: "parameters file, YAML or JSON" },
      "run-id": { type: "string", description: "run id (else RUNNABLE_RUN_ID, else generated)" },
      tag: { type: "string", description: "a tag recorded in the run log" },
      export: { type: "string", description: "export holding the job (default: job)" },
      ...OUTPUT,
    },
    run: async (ctx, v, p, out) => {
      if (!p[0]) throw usage("execute-job needs the job file");
      return (await commands.execute()).executeJobCommand(
        ctx,
        p[0],
        { parameters: str(v.parameters), runId: str(v["run-id"]), tag: str(v.tag), exportName: str(v.export), ...outputFlags(v) },
        out,
      );
    },
  },
  "execute-single-node": {
    summary: "Run one step of an existing run (used by executors that run steps in their own process)",
    usage: "runnable execute-single-node <run_id> <definition file> <step internal name> [--iter-variable JSON] [--export name] [-c config] [--json|--quiet]",
    options: {
      ...COMMON,
      "iter-variable": { type: "string", description: "map variables / loop indices of the step's branch, as a JSON object" },
      export: { type: "string", description: "export holding the pipeline (or job) in an SDK module" },
      job: { type: "boolean", description: "the definition is a job: run its attempts against the run's job log" },
      create: { type: "boolean", description: "create the run log first when it does not exist (the first step of an orchestrated run)" },
      parameters: { type: "string", short: "p", description: "parameters file, with --create" },
      "one-attempt": { type: "boolean", description: "run one attempt of the step at most (the orchestrator retries the process)" },
      ...OUTPUT,
    },
    run: async (ctx, v, p, out) => {
      const [runId, file, step] = p;
      if (!runId || !file || !step) throw usage("execute-single-node needs <run_id> <definition file> <step internal name>");
      return (await commands.execute()).executeSingleNodeCommand(
        ctx,
        { runId, file, step, iterVariable: str(v["iter-variable"]), exportName: str(v.export), job: v.job === true, create: v.create === true, parameters: str(v.parameters), oneAttempt: v["one-attempt"] === true, ...outputFlags(v) },
        out,
      );
    },
  },
  fan: {
    summary: "Fan a composite step out (create its branches), a loop's next iteration, or in (collect them), for orchestrators",
    usage: "runnable fan <run_id> <definition file> <step internal name> <in|out|next> [--iter-variable JSON] [--export name] [--create [-p file]] [--output-file FILE] [-c config] [--json|--quiet]",
    options: {
      ...COMMON,
      "iter-variable": { type: "string", description: "map variables / loop indices of the step's branch, as a JSON object" },
      export: { type: "string", description: "export holding the pipeline in an SDK module" },
      json: { type: "boolean", description: "print the fan result ({status, branches}) as JSON (the default)" },
      quiet: { type: "boolean", description: "print only the outcome line" },
      create: { type: "boolean", description: "create the run log first when it does not exist (the first step of an orchestrated run)" },
      parameters: { type: "string", short: "p", description: "parameters file, with --create" },
      "output-file": { type: "string", description: "also write the branches to run as a JSON list of {key, iter_variable} to this file" },
    },
    run: async (ctx, v, p, out) => {
      const [runId, file, step, mode] = p;
      if (!runId || !file || !step || !mode) throw usage("fan needs <run_id> <definition file> <step internal name> <in|out|next>");
      return (await commands.execute()).fanCommand(
        ctx,
        {
          runId,
          file,
          step,
          mode,
          iterVariable: str(v["iter-variable"]),
          exportName: str(v.export),
          create: v.create === true,
          parameters: str(v.parameters),
          outputFile: str(v["output-file"]),
          ...outputFlags(v),
        },
        out,
      );
    },
  },
  show: {
    summary: "Show a run log as a tree (--json: the full run log)",
    usage: "runnable show <run_id> [--json] [-c config]",
    options: { ...COMMON, json: { type: "boolean", description: "print the run log as one JSON document" } },
    run: async (ctx, v, p, out) => {
      if (!p[0]) throw usage("show needs a run id");
      return (await commands.show()).showCommand(ctx, p[0], { json: v.json === true }, out);
    },
  },
  cache: {
    summary: "Empty the step cache (tasks with `cache`) kept in the configured run-log store",
    usage: "runnable cache clear [-c config]",
    options: { ...COMMON },
    run: async (ctx, _v, p, out) => (await commands.cache()).cacheCommand(ctx, p[0], out),
  },
  runs: {
    summary: "List the runs in the configured run-log store",
    usage: "runnable runs [--json] [-c config]",
    options: { ...COMMON, json: { type: "boolean", description: "print as JSON" } },
    run: async (ctx, v, _p, out) => (await commands.show()).runsCommand(ctx, { json: v.json === true }, out),
  },
  plugins: {
    summary: "List every discovered plugin and every manifest problem",
    usage: "runnable plugins [--json] [--check] [-c config]",
    options: {
      ...COMMON,
      json: { type: "boolean", description: "print {plugins, problems} as JSON" },
      check: { type: "boolean", description: "also import every plugin module; exit 1 on any problem" },
    },
    run: async (ctx, v, _p, out) => (await commands.plugins()).pluginsCommand(ctx, { json: v.json === true, check: v.check === true }, out),
  },
  config: {
    summary: "Show the configuration in effect and the plugin serving each service",
    usage: "runnable config [--json] [-c config]",
    options: { ...COMMON, json: { type: "boolean", description: "print as JSON" } },
    run: async (ctx, v, _p, out) => (await commands.config()).configCommand(ctx, { json: v.json === true }, out),
  },
};

// Seeing a run: graph, timeline, ui (SPEC §14).
Object.assign(COMMANDS, {
  graph: {
    summary: "Print a pipeline's graph without running it (composites nested)",
    usage: "runnable graph <file> [--format text|mermaid|dot] [-c config]",
    options: { ...COMMON, format: { type: "string", description: "text (default), mermaid or dot" } },
    run: async (ctx, v, p, out) => {
      if (!p[0]) throw usage("graph needs the pipeline file");
      return (await commands.graph()).graphCommand(ctx, p[0], { format: str(v.format) }, out);
    },
  },
  timeline: {
    summary: "Write a run's timeline: one self-contained HTML file (a Gantt of every step, branch and attempt)",
    usage: "runnable timeline <run_id> [-o FILE] [-c config]",
    options: { ...COMMON, output: { type: "string", short: "o", description: "the HTML file to write (default <run_id>.timeline.html)" } },
    run: async (ctx, v, p, out) => {
      if (!p[0]) throw usage("timeline needs a run id");
      return (await commands.timeline()).timelineCommand(ctx, p[0], { output: str(v.output) }, out);
    },
  },
  ui: {
    summary: "Serve a local, read-only web page over the configured run-log store (runs, steps, timelines, live updates)",
    usage: "runnable ui [--port N] [--host 127.0.0.1] [-c config]",
    options: {
      ...COMMON,
      port: { type: "string", description: "port to listen on (default 4300; 0 picks a free one)" },
      host: { type: "string", description: "address to bind (default 127.0.0.1)" },
    },
    run: async (ctx, v, _p, out) => (await commands.ui()).uiCommand(ctx, { port: str(v.port), host: str(v.host) }, out),
  },
} satisfies Record<string, CommandSpec>);

function str(value: string | boolean | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function usage(message: string): RunnableError {
  return new RunnableError("E_USAGE", message);
}

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  return [
    "runnable: run pipelines of TypeScript functions, shell commands and composite steps",
    "",
    "Usage: runnable <command> [options]",
    "",
    "Commands:",
    ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(width)}  ${spec.summary}`),
    "",
    "Run `runnable <command> --help` for a command's options.",
  ].join("\n");
}

function commandHelp(spec: CommandSpec): string {
  const opts = Object.entries(spec.options).map(([key, o]) => `  ${o.short ? `-${o.short}, ` : "    "}--${key}${o.type === "string" ? " <value>" : ""}  ${o.description}`);
  return [`${spec.summary}`, "", `Usage: ${spec.usage}`, "", "Options:", ...opts].join("\n");
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the exit code.
 * Errors are printed as one `error[CODE]: …` block (what, where, how to fix) with no stack
 * trace unless `RUNNABLE_DEBUG=1`; nothing is thrown.
 */
export async function main(argv: string[], output: Output = processOutput, cwd: string = process.cwd()): Promise<number> {
  try {
    return await dispatch(argv, output, cwd);
  } catch (error) {
    const formatted = formatError(error, debugEnabled());
    output.err(formatted.text);
    return formatted.exitCode;
  }
}

async function dispatch(argv: string[], output: Output, cwd: string): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    output.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    output.out(require("../package.json").version as string);
    return 0;
  }
  const spec = COMMANDS[name];
  if (!spec) {
    output.err(`error[E_USAGE]: unknown command "${name}"\n\n${mainHelp()}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: spec.options, allowPositionals: true, strict: true }));
  } catch (error) {
    output.err(`error[E_USAGE]: ${(error as Error).message}\n\n${commandHelp(spec)}`);
    return 2;
  }
  if (values.help === true) {
    output.out(commandHelp(spec));
    return 0;
  }
  const { DEFAULT_SERVICES, DISTRIBUTION_DIR } = require("@runnable-ts/runtime") as typeof import("@runnable-ts/runtime");
  const ctx: CommandContext = {
    kernelOptions: {
      cwd,
      configFile: typeof values.config === "string" ? values.config : undefined,
      defaults: DEFAULT_SERVICES,
      distributionDirs: [DISTRIBUTION_DIR],
    },
  };
  return spec.run(ctx, values, positionals, output);
}
