import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, copyFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** Tag of the cached test image: a busybox rootfs in which the host's node runs (mounted read-only). */
export const TEST_IMAGE = "localhost/runnable-test-node:1";

/** The repository root (mounted read-only into test containers, for the CLI and the SDK). */
export const REPO_ROOT = resolve(__dirname, "..", "..", "..");

const BUSYBOX = "/bin/busybox";

/**
 * Makes sure podman can run containers and the test image exists, building it once (cached by
 * tag; no registry needed): a rootfs of Debian's busybox-static, `tar`red and `podman import`ed.
 * Returns the podman executable.
 * @throws Error naming what is missing (podman, runc configuration, busybox-static) — a test
 *   that needs containers must fail, never skip.
 */
export function ensureTestImage(): string {
  const podman = ["/usr/bin/podman", "/usr/local/bin/podman"].find((p) => existsSync(p));
  if (!podman) throw new Error("This test needs podman (real containers): apt-get install -y podman runc busybox-static, then run .ci/podman-setup");
  if (spawnSync(podman, ["image", "exists", TEST_IMAGE]).status === 0) return podman;
  if (!existsSync(BUSYBOX)) throw new Error(`This test builds its container image from busybox-static, and ${BUSYBOX} is missing: apt-get install -y busybox-static`);
  const lock = join(tmpdir(), "runnable-test-image.lock");
  if (!tryLock(lock)) {
    // Another test process is building it.
    const until = Date.now() + 120_000;
    while (Date.now() < until && spawnSync(podman, ["image", "exists", TEST_IMAGE]).status !== 0) spawnSync("sleep", ["0.2"]);
    if (spawnSync(podman, ["image", "exists", TEST_IMAGE]).status === 0) return podman;
    rmSync(lock, { recursive: true, force: true });
    throw new Error(`Timed out waiting for another process to build ${TEST_IMAGE} (remove ${lock} if it is stale)`);
  }
  const dir = mkdtempSync(join(tmpdir(), "runnable-rootfs-"));
  try {
    const root = join(dir, "rootfs");
    for (const sub of ["bin", "tmp", "usr", "lib", "lib64", "etc", "proc", "sys", "dev", "run", "root"]) mkdirSync(join(root, sub), { recursive: true });
    chmodSync(join(root, "tmp"), 0o1777);
    copyFileSync(BUSYBOX, join(root, "bin", "busybox"));
    chmodSync(join(root, "bin", "busybox"), 0o755);
    for (const applet of execFileSync(BUSYBOX, ["--list"], { encoding: "utf8" }).split("\n").filter(Boolean))
      if (applet !== "busybox") symlinkSync("busybox", join(root, "bin", applet));
    const tar = join(dir, "rootfs.tar");
    execFileSync("tar", ["-C", root, "-cf", tar, "."]);
    try {
      execFileSync(podman, ["import", "--quiet", tar, TEST_IMAGE], { stdio: ["ignore", "ignore", "pipe"] });
    } catch (error) {
      throw new Error(`podman import of the test image failed (is podman configured? run .ci/podman-setup): ${String((error as { stderr?: unknown }).stderr ?? error)}`, { cause: error });
    }
    return podman;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

function tryLock(path: string): boolean {
  try {
    mkdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * `run_args` that let the test image run the host's node and this repository's CLI: the host's
 * `/usr`, `/lib` and `/lib64` and the repository, all read-only.
 */
export function testImageRunArgs(): string[] {
  const mounts = ["/usr", "/lib", "/lib64"].filter((p) => existsSync(p) && readdirSync(p).length > 0);
  return [...mounts.flatMap((p) => ["-v", `${p}:${p}:ro`]), "-v", `${REPO_ROOT}:${REPO_ROOT}:ro`];
}

/** Names of the containers (running or not) labelled with this run id. */
export function containersOfRun(runId: string, podman = "/usr/bin/podman"): string[] {
  const out = execFileSync(podman, ["ps", "-a", "--filter", `label=io.runnable.run_id=${runId}`, "--format", "{{.Names}}"], { encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}
