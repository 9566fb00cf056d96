import { createDials, type Dials } from '@dials/core';
import { createFlags, type Flags } from '@dials/flags';
import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigChangeExplorer } from './config-change.explorer.js';
import { DialsHealthIndicator } from './dials.health.js';
import { ConfigurableModuleClass, type DialsModuleOptions, MODULE_OPTIONS_TOKEN } from './dials.module-definition.js';
import { DialsService } from './dials.service.js';
import { FeatureFlagGuard } from './feature-flag.guard.js';
import { FlagsService } from './flags.service.js';
import { DIALS, DIALS_CONFIG, DIALS_FLAGS } from './tokens.js';

/** A read-only view whose every property read goes to the current config snapshot. */
function liveConfig(dials: Dials): object {
  return new Proxy(Object.create(null) as object, {
    get: (_target, property) => Reflect.get(dials.config, property),
    has: (_target, property) => Reflect.has(dials.config, property),
    ownKeys: () => Reflect.ownKeys(dials.config),
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(dials.config, property);
      return descriptor ? { ...descriptor, configurable: true } : undefined;
    },
    set: () => false,
    deleteProperty: () => false,
  });
}

/**
 * Dials for NestJS: `DialsModule.forRoot({ source, prefix, schema, flags: { prefix } })` or
 * `forRootAsync({ useFactory, inject, imports })`. Connects during module init (providers that
 * inject config get it loaded), closes the watches on application shutdown.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: DIALS,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: async (options: DialsModuleOptions): Promise<Dials> => {
        const dials = createDials(options);
        await dials.ready();
        return dials;
      },
    },
    {
      provide: DIALS_FLAGS,
      inject: [MODULE_OPTIONS_TOKEN],
      useFactory: async (options: DialsModuleOptions): Promise<Flags | null> => {
        if (!options.flags) return null;
        // The same process in the fleet report: the app's name, labels and report settings are the config reader's.
        const flags = createFlags({
          source: options.flags.source ?? options.source,
          prefix: options.flags.prefix,
          cacheTtlMs: options.cacheTtlMs,
          app: options.app,
          report: options.report,
          labels: options.labels,
          instanceId: options.instanceId,
          reportTtlMs: options.reportTtlMs,
        });
        await flags.ready();
        return flags;
      },
    },
    { provide: DIALS_CONFIG, inject: [DIALS], useFactory: liveConfig },
    DialsService,
    FlagsService,
    FeatureFlagGuard,
    ConfigChangeExplorer,
    DialsHealthIndicator,
  ],
  exports: [DIALS, DIALS_FLAGS, DIALS_CONFIG, DialsService, FlagsService, FeatureFlagGuard, DialsHealthIndicator, MODULE_OPTIONS_TOKEN],
})
export class DialsModule extends ConfigurableModuleClass implements OnApplicationShutdown {
  constructor(
    @Inject(DIALS) private readonly dials: Dials,
    @Inject(DIALS_FLAGS) private readonly flags: Flags | null,
  ) {
    super();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.dials.close(), this.flags?.close()]);
  }
}
