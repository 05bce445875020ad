export { main } from "./main";

export type { Output } from "./output";
export { startUi, type UiOptions, type UiServer, type UiSources } from "./ui-server";
export { createRunView, LiveView, type RunView, type ViewFlags } from "./run-view";
