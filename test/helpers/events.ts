import { filter, firstValueFrom, type Observable, timeout } from 'rxjs';

/** The first value of `source$` that satisfies `predicate`, or a rejection after `ms` (default 10 s). */
export function until<T>(source$: Observable<T>, predicate: (value: T) => boolean, ms = 10_000): Promise<T> {
  return firstValueFrom(source$.pipe(filter(predicate), timeout(ms)));
}
