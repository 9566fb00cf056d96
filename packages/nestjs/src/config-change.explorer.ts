import { type Dials, DialsError } from '@dials/core';
import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { type Subscription, skip } from 'rxjs';
import { DIALS, ON_CONFIG_CHANGE_METADATA } from './tokens.js';

/** Finds `@OnConfigChange()` methods on providers and subscribes them to their paths. */
@Injectable()
export class ConfigChangeExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly subscriptions: Subscription[] = [];

  constructor(
    @Inject(DiscoveryService) private readonly discovery: DiscoveryService,
    @Inject(MetadataScanner) private readonly scanner: MetadataScanner,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(DIALS) private readonly dials: Dials,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const path = this.reflector.get<string | undefined>(ON_CONFIG_CHANGE_METADATA, method as () => void);
        if (path === undefined) continue;
        this.subscriptions.push(
          this.dials
            .value$(path)
            .pipe(skip(1))
            .subscribe((value) => this.call(instance, name, path, value)),
        );
      }
    }
  }

  private call(instance: Record<string, unknown>, name: string, path: string, value: unknown): void {
    const fail = (error: unknown) =>
      this.dials.report(
        new DialsError(
          'SUBSCRIBER',
          `@OnConfigChange('${path}') handler ${instance.constructor?.name ?? ''}.${name} failed: ${String(error)}`,
          { key: path, cause: error },
        ),
      );
    try {
      const result = (instance[name] as (v: unknown) => unknown).call(instance, value);
      if (result instanceof Promise) result.catch(fail);
    } catch (error) {
      fail(error);
    }
  }

  onApplicationShutdown(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions.length = 0;
  }
}
