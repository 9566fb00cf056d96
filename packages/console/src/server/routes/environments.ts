import { type KeyChange, publishKeys, redactRaw } from '@dials/core';
import { type Router, Router as router } from 'express';
import { type Diff, Promote, type PromoteResult } from '../../api/contract.js';
import type { DraftedInstead } from '../../api/delivery-contract.js';
import { body, query, route } from '../http.js';
import { approvalRequired, draftInstead } from './changes.js';
import { namespaceForKey, summary } from './release-summary.js';

const withSlash = (prefix: string) => (prefix.endsWith('/') ? prefix : `${prefix}/`);

/** The routes of the Environments view: diff two prefixes, and promote chosen keys (the CLI's sync). */
export function environmentRoutes(): Router {
  const r = router();
  r.get(
    '/diff',
    route(async (req): Promise<Diff> => {
      const [a, b] = [withSlash(query(req, 'a')), withSlash(query(req, 'b'))];
      const [left, right] = await Promise.all([req.session.source.list(a), req.session.source.list(b)]);
      const l = new Map(left.kvs.map((kv) => [kv.key.slice(a.length), kv.value]));
      const rr = new Map(right.kvs.map((kv) => [kv.key.slice(b.length), kv.value]));
      const show = (prefix: string, path: string, raw: string) => redactRaw(prefix + path, raw);
      return {
        a,
        b,
        onlyA: [...l].filter(([path]) => !rr.has(path)).map(([path, value]) => ({ path, value: show(a, path, value) })),
        onlyB: [...rr].filter(([path]) => !l.has(path)).map(([path, value]) => ({ path, value: show(b, path, value) })),
        differ: [...l]
          .filter(([path, value]) => rr.has(path) && rr.get(path) !== value)
          .map(([path, value]) => ({ path, a: show(a, path, value), b: show(b, path, rr.get(path) as string) })),
        same: [...l].filter(([path, value]) => rr.get(path) === value).length,
      };
    }),
  );
  r.post(
    '/promote',
    route(async (req, res): Promise<PromoteResult | DraftedInstead> => {
      const promote = body(req, Promote);
      const [from, to] = [withSlash(promote.from), withSlash(promote.to)];
      const source = req.session.source;
      const [left, right] = await Promise.all([source.list(from), source.list(to)]);
      const wanted = new Map(left.kvs.map((kv) => [kv.key.slice(from.length), kv.value]));
      const current = new Map(right.kvs.map((kv) => [kv.key.slice(to.length), kv.value]));
      const chosen = promote.paths ? new Set(promote.paths) : undefined;
      const changes: KeyChange[] = [];
      for (const [path, value] of wanted)
        if ((!chosen || chosen.has(path)) && current.get(path) !== value) changes.push({ key: to + path, after: value });
      if (promote.delete)
        for (const path of current.keys())
          if (!wanted.has(path) && (!chosen || chosen.has(path))) changes.push({ key: to + path, after: undefined });
      const shown = changes.map((c) => {
        const before = current.get(c.key.slice(to.length));
        return {
          key: c.key,
          ...(before === undefined ? {} : { before: redactRaw(c.key, before) }),
          ...(c.after === undefined ? {} : { after: redactRaw(c.key, c.after) }),
        };
      });
      if (!promote.apply || changes.length === 0) return { changes: shown };
      // Compare-and-set against what was previewed: a change under `to` meanwhile is a CONFLICT.
      const release = await publishKeys(source, changes, {
        namespace: namespaceForKey(to),
        expectRevision: right.revision,
        guardPrefix: to,
        message: promote.message ?? `promote ${from} to ${to}`,
        ...(req.session.user ? { author: req.session.user } : {}),
      }).catch(approvalRequired);
      // The namespace requires approval: a change request is drafted instead (202).
      if (!release) return draftInstead(req, res, namespaceForKey(to), changes, promote.message ?? `promote ${from} to ${to}`);
      return { changes: shown, release: summary(release) };
    }),
  );
  return r;
}
