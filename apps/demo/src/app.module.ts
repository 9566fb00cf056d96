import type { Source } from '@dials/core';
import { DialsModule } from '@dials/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { schema } from './schema.js';
import { ShopController } from './shop.controller.js';
import { ShopService } from './shop.service.js';

export interface DemoSources {
  readonly config: Source;
  readonly configPrefix: string;
  readonly flags: Source;
  readonly flagsPrefix: string;
}

@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with a static register()
export class AppModule {
  static register(sources: DemoSources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DialsModule.forRoot({
          // Its name in the fleet report and the schema registry (a refused write names it).
          app: process.env.DIALS_APP ?? 'shop',
          source: sources.config,
          prefix: sources.configPrefix,
          schema,
          flags: {
            source: sources.flags,
            prefix: sources.flagsPrefix,
            context: (req) => {
              const headers = (req as { headers: Record<string, string | undefined> }).headers;
              return { targetingKey: headers['x-user-id'] ?? 'anonymous', email: headers['x-user-email'] ?? '' };
            },
          },
          isGlobal: true,
        }),
      ],
      providers: [ShopService],
      controllers: [ShopController],
    };
  }
}
