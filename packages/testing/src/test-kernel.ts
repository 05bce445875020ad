import { Kernel, type KernelOptions } from "@runnable-ts/kernel";

/**
 * A kernel for tests: isolated from the caller's environment (only `env` is seen, so no
 * `RUNNABLE_*` variable of the machine leaks in) and rooted at `cwd`.
 */
export function createTestKernel(options: KernelOptions & { cwd: string }): Promise<Kernel> {
  return Kernel.create({ env: {}, ...options });
}
