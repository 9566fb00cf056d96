import type { ConfigOf } from '@dials/core';
import { InjectConfig, OnConfigChange } from '@dials/nestjs';
import { Injectable, Logger } from '@nestjs/common';
import type { schema } from './schema.js';

/** Typed config injected into a service, and a reaction to a change (a real app would reconnect). */
@Injectable()
export class ShopService {
  private readonly logger = new Logger('Shop');

  constructor(@InjectConfig() private readonly config: ConfigOf<typeof schema>) {}

  describe() {
    return {
      shop: this.config.shop.name,
      database: `${this.config.database.host}:${this.config.database.port}`,
      currency: this.config.checkout.currency,
    };
  }

  @OnConfigChange('database/host')
  reconnect(host: string) {
    this.logger.log(`database/host changed: reconnecting to ${host}`);
  }
}
