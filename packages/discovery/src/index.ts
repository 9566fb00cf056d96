export {
  createRegistry,
  Election,
  type RegisterOptions,
  type Registration,
  Registry,
  type RegistryEvent,
  type RegistryOptions,
  type ServiceInstance,
} from './registry.js';
