import { describeDagChange } from "../src/dag-diff";

const g = (steps: Record<string, unknown>) => ({ start_at: "a", steps });

describe("describeDagChange", () => {
  it("names changes inside sub-graphs by shape, whatever the field is called, with dot paths", () => {
    const before = g({
      a: { type: "map", name: "a", next: "success", branch: g({ t: { type: "task", name: "t", max_attempts: 1 } }) },
      p: { type: "parallel", name: "p", branches: { x: g({ u: { type: "stub", name: "u" } }), y: g({}) } },
      c: { type: "my-composite", name: "c", arms: { left: g({ l: { type: "stub", name: "l" } }) } },
    });
    const after = g({
      a: { type: "map", name: "a", next: "success", branch: g({ t: { type: "task", name: "t", max_attempts: 2 } }) },
      p: { type: "parallel", name: "p", branches: { x: g({ u: { type: "stub", name: "u" }, v: { type: "stub", name: "v" } }), z: g({}) } },
      c: { type: "my-composite", name: "c", arms: { left: g({ l: { type: "task", name: "l" } }) } },
    });
    expect(describeDagChange(before, after)).toEqual([
      'step "a.*.t" changed: max_attempts',
      'step "p.x.v" was added',
      'branch "p.y" was removed',
      'branch "p.z" was added',
      'step "c.left.l" changed: type',
    ]);
  });

  it("reports plain field changes and added or removed steps at the root", () => {
    expect(describeDagChange(g({ a: { type: "task", name: "a", next: "b" }, b: { type: "stub", name: "b" } }), g({ a: { type: "task", name: "a", next: "c" }, c: { type: "stub", name: "c" } }))).toEqual([
      'step "b" was removed',
      'step "c" was added',
      'step "a" changed: next',
    ]);
  });
});
