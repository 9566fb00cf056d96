import { FeatureFlag, FlagsService } from '@dials/nestjs';
import { Controller, Get, Headers, Inject, Logger } from '@nestjs/common';
import type { ShopFlags } from './schema.js';
import { ShopService } from './shop.service.js';

@Controller()
export class ShopController {
  private readonly logger = new Logger('Checkout');

  constructor(
    @Inject(ShopService) private readonly shop: ShopService,
    @Inject(FlagsService) private readonly flags: FlagsService<ShopFlags>,
  ) {}

  @Get()
  home() {
    return this.shop.describe();
  }

  /** A rollout by user: the theme is a 50/50 split on the x-user-id header. */
  @Get('checkout')
  checkout(@Headers('x-user-id') user?: string, @Headers('x-user-email') email?: string) {
    const context = { targetingKey: user ?? 'anonymous', email: email ?? '' };
    this.logger.debug(`checkout for ${context.targetingKey}`);
    return {
      theme: this.flags.getValue('checkout-theme', 'light', context),
      newCheckout: this.flags.isEnabled('new-checkout', context),
    };
  }

  /** Only when `new-checkout` is on for this user: 404 otherwise. */
  @FeatureFlag('new-checkout')
  @Get('checkout/new')
  newCheckout() {
    return { checkout: 'new' };
  }

  /** Logs at debug level: raise logging/level to debug and these lines appear. */
  @Get('debug-log')
  debugLog() {
    this.logger.debug('debug line from /debug-log');
    return { logged: true };
  }
}
