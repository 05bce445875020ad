export { createFixtureProject, writePackage, type FixturePackage, type FixtureProject, type FixtureSpec } from "./fixture-project";
export { createTestKernel } from "./test-kernel";
export { pluginModule, manifest, type PluginModuleOptions } from "./plugin-sources";
export { sampleHeader, sampleStep } from "./run-log-samples";
export { largeMapRunLog } from "./large-run-log";
export { ensureTestImage, testImageRunArgs, containersOfRun, TEST_IMAGE, REPO_ROOT } from "./test-image";
export { startS3rver, type S3Server } from "./s3rver";
export { describeRunLogStoreConformance, type StoreConformanceOptions } from "./store-conformance";
export { describeCatalogConformance, type CatalogConformanceOptions } from "./catalog-conformance";
