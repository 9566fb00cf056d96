import type { Subscriber } from 'rxjs';
import type { ConfigChange } from '../dials-options.js';

/** The subscribers of `value$(path)`, by path: a change reaches only those of its path. */
export class PathSubscribers {
  private readonly byPath = new Map<string, Set<Subscriber<unknown>>>();

  /** Add `subscriber` to `path`; the returned function removes it. */
  add(path: string, subscriber: Subscriber<unknown>): () => void {
    let set = this.byPath.get(path);
    if (!set) {
      set = new Set();
      this.byPath.set(path, set);
    }
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.byPath.get(path) === set) this.byPath.delete(path);
    };
  }

  notify(changes: readonly ConfigChange[]): void {
    for (const change of changes) {
      const subscribers = this.byPath.get(change.path);
      if (subscribers) for (const s of [...subscribers]) s.next(change.value);
    }
  }

  completeAll(): void {
    for (const set of this.byPath.values()) for (const s of set) s.complete();
    this.byPath.clear();
  }
}
