import type { Flags } from '@dials/flags';
import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  NotFoundException,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type DialsModuleOptions, MODULE_OPTIONS_TOKEN } from './dials.module-definition.js';
import { DIALS_FLAGS, FEATURE_FLAG_METADATA } from './tokens.js';

/** Answers 404 unless the boolean flag named by `@FeatureFlag()` is on for the request. */
@Injectable()
export class FeatureFlagGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(DIALS_FLAGS) private readonly flags: Flags | null,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DialsModuleOptions,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const key = this.reflector.getAllAndOverride<string | undefined>(FEATURE_FLAG_METADATA, [context.getHandler(), context.getClass()]);
    if (key === undefined) return true;
    const request = context.switchToHttp().getRequest<unknown>();
    const evaluationContext = this.options.flags?.context?.(request) ?? {};
    if (this.flags?.isEnabled(key, evaluationContext)) return true;
    throw new NotFoundException();
  }
}

/**
 * Gate a route (or every route of a controller) on a boolean flag: 404 when it is off for the
 * request. The context comes from DialsModule's `flags.context(request)`.
 *
 * @example
 * @FeatureFlag('new-checkout') @Get('checkout/new') newCheckout() { ... }
 */
export function FeatureFlag(key: string): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(FEATURE_FLAG_METADATA, key), UseGuards(FeatureFlagGuard));
}
