// First, before zod and the rest load: the compile cache and lazy zod locales (see start-up.ts).
import "./start-up";
// The SDK's public names, listed one by one (no `export *`): adding a name here is a decision.
export { z } from "zod";
export {
  ConfigError,
  ERROR_CODES,
  ExecutionFailedError,
  GraphError,
  PluginConflictError,
  PluginFactoryError,
  PluginLoadError,
  PluginNotFoundError,
  RunnableError,
  isRunnableError,
  type ErrorCode,
  type ErrorContext,
} from "./errors";
export {
  PLUGIN_KINDS,
  SERVICE_KINDS,
  isPluginKind,
  type PluginKind,
  type PluginKinds,
  type ServiceKind,
} from "./kinds";
export { RUN_ENVIRONMENT, SERVICE_TOKENS, token, type RunEnvironment, type Token } from "./tokens";
export { definePlugin, describePluginShapeProblem, type PluginDefinition, type PluginDeps } from "./plugin";
export {
  type Awaitable,
  type CatalogService,
  type CatalogTransfer,
  type JobExecutor,
  isPromiseLike,
  type LastWrite,
  type Pickler,
  type PipelineExecutor,
  type RunLogStore,
  type SecretsProvider,
} from "./contracts";
export {
  RunConfigSchema,
  type RunConfig,
  BranchLogSchema,
  CodeIdentitySchema,
  DataCatalogSchema,
  JobLogSchema,
  ParameterSchema,
  RunLogSchema,
  STATUSES,
  StepAttemptSchema,
  StepLogSchema,
  assembleRunLog,
  diffParameters,
  findBranchLog,
  findStepLog,
  isoNow,
  newAttempt,
  newStepLog,
  ownerStepOf,
  parentBranchOf,
  succeedStep,
  upsertBranchLog,
  upsertStepLog,
  type BranchLog,
  type CodeIdentity,
  type DataCatalogEntry,
  type JobLog,
  type Parameter,
  type Parameters,
  type RunLog,
  type RunLogHeader,
  type RunSummary,
  type Status,
  type StepAttempt,
  type StepLog,
} from "./run-log";
export {
  type CatalogSpec,
  type GraphDef,
  type NodeDef,
  type ReturnKind,
  type ReturnSpec,
  type TaskContext,
  type TaskFunction,
  type TaskNodeDef,
  type TaskNodeFields,
} from "./graph";
export {
  type EventDetail,
  type ExecutionCheck,
  type IterVars,
  type JobRun,
  type Launcher,
  type LaunchRequest,
  type LaunchResult,
  type JobCompile,
  type PipelineCompile,
  type PipelineRun,
  type PlacementOptions,
  type RunEvent,
  type RunServices,
  type StepKeys,
  type TaskInvocation,
  type TaskStep,
  type TaskType,
  type TraversalPolicy,
} from "./engine";
export {
  AsyncFunctionTask,
  AsyncPipeline,
  Catalog,
  Conditional,
  Fail,
  FunctionJob,
  FunctionTask,
  Job,
  Loop,
  MapStep,
  NotebookTask,
  Parallel,
  Pipeline,
  ShellJob,
  ShellTask,
  Step,
  Stub,
  Success,
  captureDefinitions,
  isAsyncFunction,
  json,
  metric,
  pickled,
  registerRuntime,
  runtimeApi,
  type DefinitionLocation,
  type ExecuteOptions,
  type ResumeOptions,
  type JobOptions,
  type ReturnDecl,
  type RuntimeApi,
  type StepOptions,
  type TaskOptions,
} from "./authoring";
export { mapReturnValue, parseLoose } from "./returns";
export { functionTaskType, runTaskFunction, type FunctionTaskOptions } from "./function-task";
export { KeyedMutex, mapLimit, writeFileAtomic, writeFileAtomicSync, logFolderSchema, logFolderConfigSchema, guardRunLogStore, guardCatalog } from "./store-kit";
export { sha256File, sha256Bytes, checkCatalogPattern, containedSource, containedTarget } from "./catalog-kit";
export { JournalRunLogStore, type JournalChunk, type JournalBackend } from "./journal-store";
export { DocumentRunLogStore, parseRunLogDocument } from "./document-store";
export {
  SequenceClock,
  applyRecord,
  assembleJournal,
  compactStep,
  encodeBatch,
  encodeJournal,
  fullStep,
  journalParameters,
  newJournalState,
  replayJournal,
  type JournalAttempt,
  type JournalHeader,
  type JournalRecord,
  type JournalState,
  type JournalStepLog,
} from "./journal";
export { CREDENTIAL_KEY, redactConfig } from "./redact-config";
export { picklerCodecs, registerPicklerCodec, type PicklerCodec } from "./pickler-codecs";
export { runCommand, subprocessLauncher, type CommandOutcome, type RunCommandOptions } from "./launch";
export { LocalContainer, localContainerConfigSchema, type LocalContainerConfig } from "./container-launcher";
export {
  parameterValue,
} from "./engine";
export {
  PLAN_DEFINITION,
  PLAN_RUN_ID,
  type PlanCommandFactory,
  type PlanCommandKind,
  type PlanCommands,
  type PlanGraph,
  type PlanStep,
} from "./plan";
export { retryPolicyOf, retryPolicyProblems, type RetryOptions, type RetryPolicy } from "./retry-policy";
export {
  type BranchOutcome,
  type BranchRequest,
  type BranchSet,
  type CompositeNodeType,
  DYNAMIC_BRANCH_KEY,
  graphsIn,
  isComposite,
  isGraphDef,
  type LeafNodeType,
  type NodeType,
  type NodeTypeBase,
  type StepContext,
  type ValidateContext,
} from "./node-type";
