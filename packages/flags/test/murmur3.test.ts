import fc from 'fast-check';
import MurmurHash3 from 'imurmurhash';
import { expect, it } from 'vitest';
import { murmur3 } from '../src/index.js';

it('hashes exactly as imurmurhash (flagd-core bucketing), for any string', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })), (s) => {
      expect(murmur3(s)).toBe(new MurmurHash3(s).result() >>> 0);
    }),
    { numRuns: 5_000 },
  );
});
