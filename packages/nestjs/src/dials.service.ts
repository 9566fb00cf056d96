import type { ChangeSet, ConfigOf, Dials, DialsError, DialsSnapshot, DialsStatus, InferOutput, SchemaMap } from '@dials/core';
import { Inject, Injectable } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { DIALS } from './tokens.js';

/** Typed live config for injection: `DialsService<typeof schema>`. */
@Injectable()
export class DialsService<TSchema extends SchemaMap = SchemaMap> {
  constructor(@Inject(DIALS) readonly dials: Dials) {}

  get<TPath extends keyof TSchema & string>(path: TPath): InferOutput<TSchema[TPath]> | undefined;
  get<TPath extends keyof TSchema & string>(path: TPath, fallback: InferOutput<TSchema[TPath]>): InferOutput<TSchema[TPath]>;
  get<TValue = unknown>(path: string, fallback?: TValue): TValue | undefined;
  get(path: string, fallback?: unknown): unknown {
    return this.dials.get(path, fallback);
  }

  value$<TPath extends keyof TSchema & string>(path: TPath): Observable<InferOutput<TSchema[TPath]> | undefined>;
  value$<TValue = unknown>(path: string): Observable<TValue | undefined>;
  value$(path: string): Observable<unknown> {
    return this.dials.value$(path);
  }

  get config(): ConfigOf<TSchema> {
    return this.dials.config as ConfigOf<TSchema>;
  }

  get config$(): Observable<ConfigOf<TSchema>> {
    return this.dials.config$ as Observable<ConfigOf<TSchema>>;
  }

  get snapshot(): DialsSnapshot {
    return this.dials.snapshot;
  }

  get changes$(): Observable<ChangeSet> {
    return this.dials.changes$;
  }

  get errors$(): Observable<DialsError> {
    return this.dials.errors$;
  }

  get status$(): Observable<DialsStatus> {
    return this.dials.status$;
  }
}
