/** Platform services used by the shell: lifecycle and scheduler (the engines' clients live in questdb/ and duckdb/). */
export {
  createLifecycle,
  type Component,
  type Lifecycle,
  type LifecycleLog,
  type LifecycleOptions,
} from './lifecycle.js';
export {
  createScheduler,
  jobOwner,
  type JobOutcome,
  type JobRunContext,
  type ScheduledJob,
  type Scheduler,
  type SchedulerLog,
  type SchedulerOptions,
} from './scheduler.js';
export { startDemoSmtpReceiver, type DemoSmtpReceiver, type DemoSmtpReceiverOptions } from './smtp/index.js';
