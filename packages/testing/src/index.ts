export { createFixtureProject, writePackage, type FixturePackage, type FixtureProject, type FixtureSpec } from "./fixture-project";
export { createTestKernel } from "./test-kernel";
export { pluginModule, manifest, type PluginModuleOptions } from "./plugin-sources";
export { sampleHeader, sampleStep } from "./run-log-samples";
export { startS3rver, type S3Server } from "./s3rver";
export { describeRunLogStoreConformance, type StoreConformanceOptions } from "./store-conformance";
export { describeCatalogConformance, type CatalogConformanceOptions } from "./catalog-conformance";
