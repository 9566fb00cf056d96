import { createOfrep } from '@dials/console';
import express from 'express';
import type { Context } from '../../command.js';
import { connect } from '../../connect.js';
import { portOf, serveUntilSignal } from '../../serve.js';
import type { OFREP_OPTIONS } from './index.js';

/** The `--cors-origin` list: `*`, or comma-separated origins. */
export const corsOrigins = (text: string | undefined) =>
  text
    ?.split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');

/** `dials ofrep`: OFREP alone, on the server's own etcd user (--user), every request with an API key. */
export async function serveOfrep(ctx: Context<typeof OFREP_OPTIONS>): Promise<number> {
  const { values } = ctx;
  const port = portOf(values.port, 8016);
  const source = await connect(values, true); // a watch: the gRPC client
  const origins = corsOrigins(values['cors-origin']);
  const ofrep = createOfrep({ source, requireKeys: true, ...(origins ? { corsOrigins: origins } : {}) });
  try {
    await ofrep.ready(); // the keys: a user that may not read them fails here, not on the first request
  } catch (error) {
    await ofrep.close();
    throw error;
  }
  const app = express();
  app.disable('x-powered-by');
  app.use(ofrep.router);
  return serveUntilSignal(
    app,
    { port, host: values.host ?? '127.0.0.1' },
    (url) =>
      ctx.out.result({ ofrep: `${url}/ofrep/v1` }, () =>
        [
          `OFREP on ${url}/ofrep/v1 (etcd ${source.description}${source.user ? ` as ${source.user}` : ''}); Ctrl-C to stop`,
          'Every request needs an API key (X-API-Key): dials ofrep keys create NAMESPACE',
        ].join('\n'),
      ),
    () => ofrep.close(),
  );
}
