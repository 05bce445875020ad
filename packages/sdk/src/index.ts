export { z } from "zod";
export * from "./errors";
export * from "./kinds";
export * from "./tokens";
export * from "./plugin";
export * from "./contracts";
export * from "./run-log";
