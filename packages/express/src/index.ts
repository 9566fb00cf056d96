export {
  type DialsExpressTypes,
  type DialsHealthOptions,
  type DialsMiddlewareOptions,
  dialsHealth,
  dialsMiddleware,
  type RequestConfig,
  type RequestFlagTypes,
  type RequireFlagOptions,
  requireFlag,
} from './middleware.js';
export { RequestFlags } from './request-flags.js';
