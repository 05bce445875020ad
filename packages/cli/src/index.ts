export { main } from "./main";

export type { Output } from "./output";
