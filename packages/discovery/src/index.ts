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
