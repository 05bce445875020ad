import { mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A pipeline with every kind of nesting the views must show: a task, a parallel, a map over a
 * nested map, and a task that fails its first attempt and succeeds on its second.
 */
export const NESTED_YAML = `dag:
  start_at: start
  steps:
    start:
      type: task
      command_type: shell
      command: echo starting
      next: par
    par:
      type: parallel
      branches:
        left:
          start_at: hello
          steps:
            hello: { type: task, command_type: shell, command: "echo left", next: success }
        right:
          start_at: hi
          steps:
            hi: { type: task, command_type: shell, command: "echo right", next: success }
      next: outer
    outer:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: inner
        steps:
          inner:
            type: map
            iterate_on: letters
            iterate_as: letter
            branch:
              start_at: work
              steps:
                work: { type: task, command_type: shell, command: "echo working on $item$letter", next: success }
            next: success
      next: flaky
    flaky:
      type: task
      command_type: shell
      command: 'test -f marker || { touch marker; echo first try fails; exit 1; }'
      max_attempts: 2
      next: success
`;

/** A pipeline whose second step fails. */
export const FAILING_YAML = `dag:
  start_at: ok
  steps:
    ok: { type: task, command_type: shell, command: "echo fine", next: broken }
    broken: { type: task, command_type: shell, command: "echo about to fail; exit 3", next: success }
`;

/** Internal names of every step and branch a run of {@link NESTED_YAML} records. */
export const NESTED_NAMES = [
  "start",
  "par",
  "par.left",
  "par.left.hello",
  "par.left.success",
  "par.right",
  "par.right.hi",
  "par.right.success",
  "outer",
  ...["1", "2"].flatMap((i) => [
    `outer.${i}`,
    `outer.${i}.inner`,
    ...["a", "b"].flatMap((l) => [`outer.${i}.inner.${l}`, `outer.${i}.inner.${l}.work`, `outer.${i}.inner.${l}.success`]),
    `outer.${i}.success`,
  ]),
  "flaky",
  "success",
];

/** A fresh working directory with the pipelines and their parameters. */
export function seeingDir(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "runnable-seeing-")));
  writeFileSync(join(dir, "nested.yaml"), NESTED_YAML);
  writeFileSync(join(dir, "failing.yaml"), FAILING_YAML);
  writeFileSync(join(dir, "params.yaml"), "items: [1, 2]\nletters: [a, b]\n");
  return dir;
}
