// A one-off probe (not part of npm run bench): what one extra Express 5 middleware costs by itself.
import autocannon from 'autocannon';
import express from 'express';

const make = (middlewares) => {
  const app = express();
  for (const m of middlewares) app.use(m);
  app.get('/', (_req, res) => res.json({ greeting: 'hello', beta: false }));
  return new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
};
const servers = { bare: await make([]), emptyMiddleware: await make([(_req, _res, next) => next()]) };
for (let r = 0; r < 3; r++) {
  for (const [name, server] of Object.entries(servers)) {
    const result = await autocannon({ url: `http://127.0.0.1:${server.address().port}/`, connections: 50, duration: 4 });
    console.log(name, Math.round(result.requests.average));
  }
}
for (const s of Object.values(servers)) s.close();
