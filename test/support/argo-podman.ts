import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { testImageRunArgs } from "@runnable-ts/testing";
import type { ContainerRunner } from "./argo-runner";

/**
 * Runs each container template as a real podman container of the test image. The project is
 * mounted at the container's `workingDir` (instead of building it into an image: the test image
 * is a busybox rootfs with the host's node and this repository mounted read-only); each PVC is
 * a host folder; the folder of each output path is a fresh host folder read back afterwards.
 * Secrets (`secretKeyRef`) come from `secrets` and reach the container by name only.
 */
export function podmanRunner(options: { podman: string; project: string; pvcs: Record<string, string>; secrets?: Record<string, string> }): ContainerRunner {
  return async ({ container, outputPaths }) => {
    const out = mkdtempSync(join(tmpdir(), "argo-out-"));
    const outDirs = [...new Set(outputPaths.map((p) => dirname(p)))];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
    const envArgs: string[] = [];
    for (const e of container.env ?? []) {
      const value = e.valueFrom?.secretKeyRef ? options.secrets?.[e.valueFrom.secretKeyRef.key] : e.value;
      if (value === undefined) continue;
      env[e.name] = value;
      envArgs.push("-e", e.name);
    }
    const mounts = (container.volumeMounts ?? []).flatMap((m: { name: string; mountPath: string }) => {
      const host = options.pvcs[m.name];
      if (!host) throw new Error(`no host folder for volume ${m.name}`);
      return ["-v", `${host}:${m.mountPath}`];
    });
    const args = [
      "run",
      "--rm",
      ...testImageRunArgs(),
      "-v",
      `${options.project}:${container.workingDir}`,
      "-w",
      container.workingDir,
      ...mounts,
      ...outDirs.flatMap((d, i) => ["-v", `${join(out, String(i))}:${d}`]),
      ...envArgs,
      container.image,
      ...container.command,
      ...container.args,
    ];
    for (let i = 0; i < outDirs.length; i++) mkdirSync(join(out, String(i)));
    const exitCode = await new Promise<number>((resolve) => {
      const child = spawn(options.podman, args, { env, stdio: ["ignore", "ignore", process.env.ARGO_RUNNER_DEBUG ? "inherit" : "ignore"] });
      child.on("close", (code) => resolve(code ?? 1));
    });
    const outputs: Record<string, string> = {};
    for (const p of outputPaths) {
      const host = join(out, String(outDirs.indexOf(dirname(p))), p.slice(dirname(p).length + 1));
      if (existsSync(host)) outputs[p] = readFileSync(host, "utf8");
    }
    rmSync(out, { recursive: true, force: true });
    return { exitCode, outputs };
  };
}
