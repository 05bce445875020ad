import * as stages from "../../src/attempt/secrets-stage";
import { context, fakeServices, nextDoing, promised, taskNode } from "./fakes";

// The stages as tests call them (see `promised`).
const secretsStage = promised(stages.secretsStage);

describe("secretsStage", () => {
  it("resolves only the listed secrets and masks them in what the attempt writes", async () => {
    const ctx = context({ node: taskNode({ secrets: ["token"] }), services: fakeServices({ secrets: { token: "s3cr3t", other: "nope" } }) });
    await secretsStage(ctx, nextDoing());
    expect(ctx.secrets).toEqual({ token: "s3cr3t" });
    ctx.log.write("the token is s3cr3t");
    expect(ctx.log.text()).toBe("the token is ***");
    expect(ctx.mask("x s3cr3t y")).toBe("x *** y");
  });

  it("rejects with the secrets provider's error for a missing secret, before the task", async () => {
    const ctx = context({ node: taskNode({ secrets: ["missing"] }) });
    const next = nextDoing();
    await expect(secretsStage(ctx, next)).rejects.toMatchObject({ code: "E_SECRET_NOT_FOUND" });
    expect(next.calls).toBe(0);
  });
});
