import type { KernelOptions } from "@runnable-ts/kernel";

/** What every command gets: how to build the kernel for this invocation. */
export interface CommandContext {
  kernelOptions: KernelOptions;
}
