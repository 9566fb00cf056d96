import { memorySource } from '@dials/core';
import { describe, expect, it } from 'vitest';
import { LoginLimiter, Sessions } from '../src/server/sessions.js';

describe('LoginLimiter', () => {
  it('allows 5 failed logins a minute per user and per address, then says how long to wait; a minute later, again', () => {
    let now = 1_000_000;
    const limiter = new LoginLimiter(5, 60_000, () => now);
    for (let i = 0; i < 5; i++) {
      expect(limiter.retryAfter('ann', '10.0.0.1')).toBe(0);
      limiter.failed('ann', '10.0.0.1');
      now += 1_000; // the fifth failure at +4 s
    }
    // now = +5 s: the first failure (at +0) leaves the window at +60 s.
    expect(limiter.retryAfter('ann', '10.0.0.1')).toBe(55_000);
    expect(limiter.retryAfter('ann', '10.0.0.2')).toBe(55_000); // the user, from anywhere
    expect(limiter.retryAfter('bob', '10.0.0.1')).toBe(55_000); // the address, for anyone
    expect(limiter.retryAfter('bob', '10.0.0.2')).toBe(0);
    now += 55_000;
    expect(limiter.retryAfter('ann', '10.0.0.1')).toBe(0); // the oldest failure has left the minute
    limiter.failed('ann', '10.0.0.1');
    expect(limiter.retryAfter('ann', '10.0.0.1')).toBe(1_000); // five within the minute again: until +61 s
  });

  it("clears a user's failures when the user logs in, not the address's", () => {
    const limiter = new LoginLimiter(5, 60_000, () => 0);
    for (let i = 0; i < 5; i++) limiter.failed('ann', '10.0.0.1');
    limiter.succeeded('ann');
    expect(limiter.retryAfter('ann', '10.0.0.2')).toBe(0);
    expect(limiter.retryAfter('ann', '10.0.0.1')).toBe(60_000);
  });
});

describe('session cookies', () => {
  const source = memorySource();

  it('are HttpOnly, SameSite=Strict, on the console path, Secure when asked, and signed: id.signature', async () => {
    const sessions = new Sessions('a-secret', true, '/ops/console');
    const cookie = sessions.cookie(sessions.create(null, source, source, false));
    const [pair, ...attributes] = cookie.split('; ');
    expect(attributes.sort()).toEqual(['HttpOnly', 'Path=/ops/console', 'SameSite=Strict', 'Secure']);
    expect(pair).toMatch(/^dials_session=[\w-]{32}\.[\w-]{43}$/);
    expect(new Sessions(undefined, false, '/console').cookie(sessions.create(null, source, source, false))).not.toContain('Secure');
    await sessions.close();
  });

  it('refuse a tampered signature, an id signed with another secret, and an id under another session’s signature', async () => {
    const sessions = new Sessions('a-secret', false, '/console');
    const [ann, bob] = [sessions.create('ann', source, source, false), sessions.create('bob', source, source, false)];
    const value = (cookie: string) => cookie.split(';')[0] as string;
    const annCookie = value(sessions.cookie(ann));
    expect(sessions.fromCookie(`other=1; ${annCookie}`)?.user).toBe('ann');
    const [id, signature] = annCookie.slice('dials_session='.length).split('.') as [string, string];
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const bobSignature = value(sessions.cookie(bob)).split('.')[1];
    const elsewhere = new Sessions('another-secret', false, '/console');
    const forgedElsewhere = value(elsewhere.cookie({ ...ann }));
    for (const forged of [`dials_session=${id}.${flipped}`, `dials_session=${id}.${bobSignature}`, forgedElsewhere, `dials_session=${id}`])
      expect(sessions.fromCookie(forged), forged).toBeUndefined();
    await Promise.all([sessions.close(), elsewhere.close()]);
  });
});
