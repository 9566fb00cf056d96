import {
  abandonGray,
  advanceGray,
  type FleetStatus,
  fleetStatus,
  type GrayReleaseState,
  getGray,
  grayRelease,
  labelsMatch,
  listGray,
  pauseGray,
  promoteGray,
  redactRaw,
  resumeGray,
  type Source,
} from '@dials/core';
import { type Router, Router as router } from 'express';
import { CreateGray, GrayAction, type GrayList, type GrayResult, type GrayView } from '../../api/delivery-contract.js';
import { body, HttpError, query, route } from '../http.js';
import { deliveryRoute } from './changes.js';
import { summary } from './release-summary.js';

/** The fleet of `namespace`, or none when the user may not read its reports. */
async function fleetOf(source: Source, namespace: string): Promise<FleetStatus | undefined> {
  return fleetStatus(source, namespace).catch(() => undefined);
}

/** A gray release as the UI shows it, with who is on it by the fleet report. */
function grayView(state: GrayReleaseState, fleet: FleetStatus | undefined): GrayView {
  const { release, step } = state;
  const on = new Set(fleet?.gray[release.id] ?? []);
  const instances = (fleet?.instances ?? []).filter((i) => on.has(i.id));
  return {
    id: release.id,
    namespace: release.namespace,
    author: release.author,
    message: release.message,
    startedAt: release.startedAt,
    state: release.state,
    labels: { ...release.labels },
    ...(release.steps ? { steps: [...release.steps] } : {}),
    ...(release.stepMs ? { stepMs: release.stepMs } : {}),
    paused: release.paused === true,
    step: { index: step.index, percent: step.percent, ...(step.nextAt === undefined ? {} : { nextAt: step.nextAt }) },
    values: state.values.map((v) => ({ key: v.key, value: v.binary ? '(binary)' : redactRaw(v.key, v.value) })),
    instances: instances.map((i) => ({ id: i.id, app: i.app, labels: { ...i.labels } })),
    matching: (fleet?.instances ?? []).filter((i) => labelsMatch(release.labels, i.labels)).length,
  };
}

/** The namespaces that have gray releases: those their readable headers name. */
async function grayNamespaces(source: Source): Promise<string[]> {
  return [...new Set((await listGray(source)).map((s) => s.release.namespace))].sort();
}

/** The routes of the Gray releases view: list, show with its instances, start, and the controls. */
export function grayRoutes(): Router {
  const r = router();
  r.get(
    '/gray',
    route(async (req): Promise<GrayList> => {
      const namespace = typeof req.query.namespace === 'string' ? req.query.namespace : '';
      const source = req.session.source;
      const namespaces = await grayNamespaces(source);
      if (namespace === '') return { namespace, namespaces, releases: [] };
      const [states, fleet] = await Promise.all([listGray(source, namespace), fleetOf(source, namespace)]);
      return { namespace, namespaces, releases: states.map((s) => grayView(s, fleet)) };
    }),
  );
  r.get(
    '/gray/one',
    route(async (req): Promise<GrayView> => {
      const namespace = query(req, 'namespace');
      const source = req.session.source;
      const [state, fleet] = await Promise.all([getGray(source, namespace, query(req, 'id')), fleetOf(source, namespace)]);
      return grayView(state, fleet);
    }),
  );
  r.post(
    '/gray',
    deliveryRoute(async (req): Promise<GrayResult> => {
      const create = body(req, CreateGray);
      const source = req.session.source;
      const release = await grayRelease(
        source,
        create.changes.map((c) => ({ key: c.key, after: c.value })),
        {
          namespace: create.namespace,
          gray: {
            labels: create.labels,
            ...(create.steps && create.steps.length > 0 ? { steps: create.steps } : {}),
            ...(create.stepMs ? { stepMs: create.stepMs } : {}),
          },
          ...(create.message ? { message: create.message } : {}),
          ...(req.session.user ? { author: req.session.user } : {}),
        },
      );
      const id = release.gray?.id;
      const state = id ? await getGray(source, create.namespace, id).catch(() => undefined) : undefined;
      return { ...(state ? { gray: grayView(state, await fleetOf(source, create.namespace)) } : {}), release: summary(release) };
    }),
  );
  r.post(
    '/gray/:action',
    deliveryRoute(async (req): Promise<GrayResult> => {
      const { namespace, id } = body(req, GrayAction);
      const source = req.session.source;
      const author = req.session.user ? { author: req.session.user } : {};
      const shown = async (state: GrayReleaseState) => ({ gray: grayView(state, await fleetOf(source, namespace)) });
      switch (req.params.action) {
        case 'promote':
          return { release: summary(await promoteGray(source, namespace, id, author)) };
        case 'abandon':
          return { release: summary(await abandonGray(source, namespace, id, author)) };
        case 'pause':
          return shown(await pauseGray(source, namespace, id));
        case 'resume':
          return shown(await resumeGray(source, namespace, id));
        case 'advance':
          return shown(await advanceGray(source, namespace, id));
        default:
          throw new HttpError(404, 'NOT_FOUND', `No gray release action ${JSON.stringify(req.params.action)}`);
      }
    }),
  );
  return r;
}
