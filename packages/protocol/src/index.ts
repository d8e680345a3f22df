export {
  PROTOCOL_VERSION,
  RunSpecSchema,
  HelloSchema,
  ReadySchema,
  StepDoneSchema,
  EvalDoneSchema,
  CheckpointDoneSchema,
  FailedSchema,
  RingBrokenSchema,
  RejoinSchema,
  CollectiveEnterSchema,
  ReformSchema,
  MembershipSchema,
  WorkerMessageSchema,
  WelcomeSchema,
  StepSchema,
  EvaluateSchema,
  CheckpointSchema,
  ShutdownSchema,
  CoordinatorMessageSchema,
  encodeMessage,
  decodeWorkerMessage,
  decodeCoordinatorMessage,
} from './protocol.js';
export type { RunSpec, WorkerMessage, WorkerMessageInput, CoordinatorMessage, CoordinatorMessageInput, MessageOf } from './protocol.js';
export { JobSchema, OPTIMIZERS, BACKENDS, DATA_RECIPES, parseJob, mergeJobInputs } from './job.js';
export type { Job, JobInput } from './job.js';
export { CONTROL_AUTH } from './control-auth.js';
export { CheckpointDirPath, SafeAbsolutePath, pathProblem } from './safe-path.js';
