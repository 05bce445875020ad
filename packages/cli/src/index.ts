export { main } from "./main";
export { DEFAULT_SERVICES, DISTRIBUTION_DIR } from "./distribution";
export type { Output } from "./output";
