import { describe, expect, it } from 'vitest';
import { pathScope } from '../src/args.js';
import { templateFlag } from '../src/commands/flags/create.js';
import { parseWeights } from '../src/commands/flags/update.js';
import { cliWords, timeoutOf, ttlOf, UsageError } from '../src/output.js';

describe('pathScope: a prefix is a path', () => {
  it('x is the key and what lies under x/, never xyz; x/ is only what lies under it', () => {
    const x = pathScope('/c/x');
    expect(['/c/x', '/c/x/a', '/c/x/a/b', '/c/xyz', '/c/xyz/a', '/c/w'].filter(x.has)).toEqual(['/c/x', '/c/x/a', '/c/x/a/b']);
    expect(x.base).toBe('/c/');
    const dir = pathScope('/c/x/');
    expect(['/c/x', '/c/x/a', '/c/xyz'].filter(dir.has)).toEqual(['/c/x/a']);
    expect(dir.base).toBe('/c/x/');
  });
});

describe('option values', () => {
  it('--timeout and --ttl: a duration more than 0, else a usage error quoting the value once', () => {
    expect(timeoutOf(undefined)).toBe(5_000);
    expect(timeoutOf('250')).toBe(250);
    expect(timeoutOf('2s')).toBe(2_000);
    expect(() => timeoutOf('abc')).toThrow(new UsageError('--timeout is not a duration: "abc" (try 30s, 10m, 1h, or milliseconds)'));
    expect(() => timeoutOf('0')).toThrow(UsageError);
    expect(ttlOf('10m')).toBe(600_000);
    expect(() => ttlOf('0')).toThrow(/--ttl must be more than 0/);
    expect(() => ttlOf('0s')).toThrow(UsageError);
  });

  it('flags rollout weights: VARIANT=WEIGHT, each once, not all 0', () => {
    expect(parseWeights('on=20, off=80')).toEqual([
      ['on', 20],
      ['off', 80],
    ]);
    expect(() => parseWeights('on=20,on=80')).toThrow(/twice/);
    expect(() => parseWeights('on=0,off=0')).toThrow(UsageError);
    expect(() => parseWeights('on=-1')).toThrow(UsageError);
  });
});

describe('flag templates', () => {
  it('are created DISABLED; a rollout splits on/off by the percentage', () => {
    expect(templateFlag('boolean', undefined, undefined)).toMatchObject({ state: 'DISABLED', defaultVariant: 'off' });
    expect(templateFlag('multi-variant', 'a, b', undefined)).toEqual({
      state: 'DISABLED',
      variants: { a: 'a', b: 'b' },
      defaultVariant: 'a',
    });
    expect(templateFlag('rollout', undefined, '30').targeting).toEqual({
      fractional: [
        ['on', 30],
        ['off', 70],
      ],
    });
    expect(() => templateFlag('rollout', undefined, '101')).toThrow(UsageError);
    expect(() => templateFlag('multi-variant', 'only', undefined)).toThrow(UsageError);
  });
});

describe("messages name the command's options", () => {
  it('auth and TLS hints', () => {
    expect(cliWords('refused. Check auth.username and auth.password.')).toBe('refused. Check --user and --password (or DIALS_PASSWORD).');
    expect(cliWords('failed. Check tls.ca, tls.cert and tls.key.')).toBe('failed. Check --cacert, --cert and --key.');
  });
});
