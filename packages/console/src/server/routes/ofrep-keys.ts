import { type Router, Router as router } from 'express';
import { CreatedOfrepKey, CreateOfrepKey, type OfrepKeyList, type RevokedOfrepKey } from '../../api/contract.js';
import { createOfrepKey, listOfrepKeys, OFREP_KEYS_PREFIX, ofrepNamespace, revokeOfrepKey } from '../../ofrep/keys.js';
import { body, HttpError, query, route } from '../http.js';

/**
 * The OFREP API keys of a flags namespace: list, make, revoke. Each runs as the session's etcd
 * user, so etcd's roles decide who may see or make keys for which namespace.
 */
export function ofrepKeyRoutes(): Router {
  const r = router();
  r.get(
    '/ofrep-keys',
    route(async (req): Promise<OfrepKeyList> => {
      const namespace = ofrepNamespace(query(req, 'namespace'));
      const keys = await listOfrepKeys(req.session.source, namespace);
      return {
        namespace,
        keys: keys.map((k) => ({ hash: k.hash, label: k.label, createdAt: k.createdAt, createdBy: k.createdBy })),
      };
    }),
  );
  r.post(
    '/ofrep-keys',
    route(async (req, res): Promise<CreatedOfrepKey> => {
      const request = body(req, CreateOfrepKey);
      const namespace = ofrepNamespace(request.namespace);
      const { key, info } = await createOfrepKey(req.session.source, namespace, {
        ...(request.label === undefined ? {} : { label: request.label }),
        ...(req.session.user ? { createdBy: req.session.user } : {}),
      });
      // The answer holds the key itself, this once: nothing on the way may keep a copy.
      res.status(201).setHeader('Cache-Control', 'no-store');
      return CreatedOfrepKey.parse({ key, hash: info.hash, namespace });
    }),
  );
  r.delete(
    '/ofrep-keys',
    route(async (req): Promise<RevokedOfrepKey> => {
      const namespace = ofrepNamespace(query(req, 'namespace'));
      const hash = query(req, 'hash');
      if (!(await revokeOfrepKey(req.session.source, namespace, hash)))
        throw new HttpError(404, 'NOT_FOUND', `No API key ${hash} for ${namespace}`, `${OFREP_KEYS_PREFIX}${namespace}/${hash}`);
      return { namespace, hash };
    }),
  );
  return r;
}
