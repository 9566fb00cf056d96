export * from './api/contract.js';
export * from './api/delivery-contract.js';
export {
  createOfrepKey,
  hashKey,
  listOfrepKeys,
  OFREP_KEYS_PREFIX,
  type OfrepKeyInfo,
  ofrepNamespace,
  revokeOfrepKey,
} from './ofrep/keys.js';
export { createOfrep, type OfrepOptions, type OfrepServer } from './ofrep/ofrep.js';
export { type ConsoleOptions, createConsole, type DialsConsole } from './server/console.js';
export { securityHeaders } from './server/security.js';
