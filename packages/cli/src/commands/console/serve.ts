import { createConsole, createOfrep, type OfrepServer, securityHeaders } from '@dials/console';
import express from 'express';
import type { Context } from '../../command.js';
import { connect, connection } from '../../connect.js';
import { color, stderrLine } from '../../output.js';
import { portOf, serveUntilSignal } from '../../serve.js';
import { corsOrigins } from '../ofrep/serve.js';
import type { CONSOLE_OPTIONS } from './index.js';

/**
 * OFREP on the console's port, on its own etcd user (--user): the console's users log in with
 * theirs and it holds none. Without --user on an etcd whose auth is on there is none to read the
 * keys with: the console runs alone and says how to add OFREP.
 */
async function ofrepBeside(ctx: Context<typeof CONSOLE_OPTIONS>): Promise<OfrepServer | undefined> {
  const origins = corsOrigins(ctx.values['cors-origin']);
  const source = await connect(ctx.values, true);
  const ofrep = createOfrep({ source, requireKeys: true, ...(origins ? { corsOrigins: origins } : {}) });
  try {
    await ofrep.ready();
    return ofrep;
  } catch (error) {
    await ofrep.close();
    if (ctx.values.user) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    stderrLine(
      `${color.yellow('warning:')} OFREP is off: ${reason}\n  Give it an etcd user that may read /dials/ofrep-keys/ and /flags/: --user ofrep`,
    );
    return undefined;
  }
}

/** `dials console`: the console at /console, users logging in with their etcd users, and OFREP at /ofrep/v1. */
export async function serveConsole(ctx: Context<typeof CONSOLE_OPTIONS>): Promise<number> {
  const { values } = ctx;
  const port = portOf(values.port, 4000);
  const c = await connection({ ...values, user: undefined }); // the console's own connections: TLS, no user
  const secret = values.secret ?? process.env.DIALS_CONSOLE_SECRET;
  const dialsConsole = await createConsole({
    etcd: { ...(c.endpoints ? { endpoints: c.endpoints } : {}), ...(c.tls ? { tls: c.tls } : {}), requestTimeoutMs: c.timeoutMs },
    ...(secret ? { secret } : {}),
    ...(values.secure ? { secure: true } : {}),
  });
  const ofrep = await ofrepBeside(ctx).catch(async (error: unknown) => {
    await dialsConsole.close();
    throw error;
  });
  const app = express();
  app.disable('x-powered-by');
  app.use('/console', dialsConsole.router);
  if (ofrep) app.use(ofrep.router);
  // The console's headers on the way in too (CSP, no framing): every answer of this server has them.
  app.get('/', securityHeaders, (_req, res) => res.redirect('/console/'));
  return serveUntilSignal(
    app,
    { port, host: values.host ?? '127.0.0.1' },
    (url) =>
      ctx.out.result({ console: `${url}/console/`, ...(ofrep ? { ofrep: `${url}/ofrep/v1` } : {}) }, () =>
        [
          `Console on ${url}/console/ (log in with your etcd user when etcd's auth is on); Ctrl-C to stop`,
          ...(ofrep ? [`OFREP on ${url}/ofrep/v1 (API keys: dials ofrep keys create NAMESPACE)`] : []),
        ].join('\n'),
      ),
    async () => {
      await Promise.all([dialsConsole.close(), ofrep?.close()]);
    },
  );
}
