import { DEFAULT_PLUGIN_LOAD_TIMEOUT_MS, pluginLoadTimeout } from "../src/registry";

describe("plugin load timeout", () => {
  it("defaults to 30 s and reads RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS", () => {
    expect(DEFAULT_PLUGIN_LOAD_TIMEOUT_MS).toBe(30_000);
    expect(pluginLoadTimeout({})).toBe(30_000);
    expect(pluginLoadTimeout({ RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS: "" })).toBe(30_000);
    expect(pluginLoadTimeout({ RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS: "250" })).toBe(250);
  });

  it.each(["0", "-5", "soon", "Infinity"])("refuses %j with E_CONFIG_INVALID naming the variable", (value) => {
    expect(() => pluginLoadTimeout({ RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS: value })).toThrow(
      expect.objectContaining({ code: "E_CONFIG_INVALID", message: expect.stringMatching(/RUNNABLE_PLUGIN_LOAD_TIMEOUT_MS must be a positive number/) }),
    );
  });
});
