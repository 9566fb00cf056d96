import { type Router, Router as router } from 'express';
import type { ChangeEvent } from '../../api/contract.js';
import type { SessionRequest } from '../http.js';

/**
 * Live updates by Server-Sent Events: one watch on the prefix, as the session's etcd user (so RBAC
 * applies), for as long as the browser listens; one `change` event per revision.
 */
export function eventRoutes(): Router {
  const r = router();
  r.get('/events', (request, res) => {
    const req = request as SessionRequest;
    const prefix = typeof req.query.prefix === 'string' ? req.query.prefix : '';
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
    res.write(': live\n\n');
    const source = req.query.flags === '1' ? req.session.flagsSource : req.session.source;
    const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const watch = source.watch(prefix, {
      reset: (range) => send('reset', { revision: range.revision }),
      batch: (batch) =>
        send('change', {
          revision: batch.revision,
          changes: batch.events.map((e) => ({ key: e.key, type: e.type })),
        } satisfies ChangeEvent),
      status: (status) => send('status', { status }),
      error: (error) => send('problem', { message: error.message }),
    });
    // A comment every 15 s keeps proxies from closing an idle stream.
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      void watch.close();
    });
  });
  return r;
}
