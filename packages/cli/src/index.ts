export { main } from "./main";

export type { Output } from "./output";
export { startUi, type UiOptions, type UiServer, type UiSources } from "./ui-server";
