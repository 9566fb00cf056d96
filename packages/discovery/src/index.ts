export { ELECTIONS_PREFIX, Election } from './election.js';
export {
  createRegistry,
  type RegisterOptions,
  type Registration,
  Registry,
  type RegistryEvent,
  type RegistryOptions,
  type ServiceInstance,
} from './registry.js';
export {
  type Scheduler,
  type SchedulerClock,
  type SchedulerEvent,
  type SchedulerOptions,
  startScheduler,
  systemClock,
} from './scheduler.js';
