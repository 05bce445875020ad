import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DotenvSecrets, parseDotenv } from "../src/index";

describe("dotenv secrets", () => {
  it("parses names, export prefixes, quotes, escapes and comments", () => {
    const parsed = parseDotenv(`# comment\nA=1\nexport B = two\nC='lit $x # not comment'\nD="line\\nnext"\nE=value # trailing\n\nbroken line\n`);
    expect(Object.fromEntries(parsed)).toEqual({ A: "1", B: "two", C: "lit $x # not comment", D: "line\nnext", E: "value" });
  });

  it("names a missing secret (never a value) and a missing file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dotenv-"));
    writeFileSync(join(dir, ".env"), "KEY=v4lue\n");
    const secrets = new DotenvSecrets(join(dir, ".env"));
    await expect(secrets.get("KEY")).resolves.toBe("v4lue");
    await expect(secrets.get("OTHER")).rejects.toMatchObject({ code: "E_SECRET_NOT_FOUND", message: expect.stringContaining('"OTHER"') });
    await expect(new DotenvSecrets(join(dir, "missing.env")).get("KEY")).rejects.toThrow(/cannot be read/);
  });
});
