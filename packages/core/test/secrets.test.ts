import { describe, expect, it } from 'vitest';
import { holdsSecret, isSecretPath, REDACTED, redactRaw, shownValue } from '../src/secrets.js';

describe('secret rules', () => {
  it('know the usual names, in any separator style', () => {
    for (const path of [
      'database/password',
      'db_password',
      'stripe_key',
      'jwt-signing-key',
      'stripeKey',
      'apiKey',
      'client-secret',
      'auth/token',
      'sentry/dsn',
      'database_dsn',
      'connection_string',
      'aws/access_key',
      'tls/private.key',
    ])
      expect(isSecretPath(path), path).toBe(true);
    for (const path of ['database/host', 'monkey', 'keyboard/layout', 'cache/size', 'author', 'keys/count'])
      expect(isSecretPath(path), path).toBe(false);
  });

  it('redact a secret key whole, and nested secret fields and URL passwords inside other values', () => {
    expect(redactRaw('db/password', 'hunter2')).toBe(REDACTED);
    expect(JSON.parse(redactRaw('database', '{"host":"db","password":"hunter2","replica":{"apiKey":"k"}}'))).toEqual({
      host: 'db',
      password: REDACTED,
      replica: { apiKey: REDACTED },
    });
    expect(redactRaw('database/url', 'postgres://app:hunter2@db:5432/shop')).toBe(`postgres://app:${REDACTED}@db:5432/shop`);
    expect(redactRaw('database/url', '"redis://:hunter2@cache:6379"')).toBe(`"redis://:${REDACTED}@cache:6379"`);
    expect(redactRaw('database/host', '"db.internal"')).toBe('"db.internal"');
    expect(holdsSecret('database/url', 'postgres://app@db/shop')).toBe(false);
  });

  it('show a value in a message quoted once, never a secret', () => {
    expect(shownValue('db/host', '"db"')).toBe('"db"');
    expect(shownValue('db/port', 'abc')).toBe('"abc"');
    expect(shownValue('db/password', '"hunter2"')).toBe(REDACTED);
    expect(shownValue('db', '{"password":"hunter2"}')).not.toContain('hunter2');
  });
});
