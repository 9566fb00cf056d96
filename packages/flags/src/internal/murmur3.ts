/**
 * MurmurHash3 (x86, 32-bit, seed 0) exactly as the `imurmurhash` package computes it for a whole
 * string, which is what flagd's JavaScript core buckets with: 16-bit char codes, not UTF-8 bytes.
 * One pass, no allocation.
 */
export function murmur3(key: string): number {
  const len = key.length;
  const rem = len & 3;
  const blocks = len - rem;
  let h1 = 0;
  let k1 = 0;
  let i = 0;
  if (blocks > 0) {
    k1 = (key.charCodeAt(i++) & 0xffff) ^ ((key.charCodeAt(i++) & 0xffff) << 8) ^ ((key.charCodeAt(i++) & 0xffff) << 16);
    let top = key.charCodeAt(i++);
    k1 ^= ((top & 0xff) << 24) ^ ((top & 0xff00) >> 8);
    for (;;) {
      k1 = (k1 * 0x2d51 + (k1 & 0xffff) * 0xcc9e0000) & 0xffffffff;
      k1 = (k1 << 15) | (k1 >>> 17);
      k1 = (k1 * 0x3593 + (k1 & 0xffff) * 0x1b870000) & 0xffffffff;
      h1 ^= k1;
      h1 = (h1 << 13) | (h1 >>> 19);
      h1 = (h1 * 5 + 0xe6546b64) & 0xffffffff;
      if (i >= blocks) break;
      k1 = (key.charCodeAt(i++) & 0xffff) ^ ((key.charCodeAt(i++) & 0xffff) << 8) ^ ((key.charCodeAt(i++) & 0xffff) << 16);
      top = key.charCodeAt(i++);
      k1 ^= ((top & 0xff) << 24) ^ ((top & 0xff00) >> 8);
    }
    // The tail: the last one to three chars.
    k1 = 0;
    if (rem === 3) k1 ^= (key.charCodeAt(i + 2) & 0xffff) << 16;
    if (rem >= 2) k1 ^= (key.charCodeAt(i + 1) & 0xffff) << 8;
    if (rem >= 1) k1 ^= key.charCodeAt(i) & 0xffff;
  } else {
    // Fewer than four chars: imurmurhash's first switch, whose last case mixes the top byte too.
    if (len > 0) k1 ^= key.charCodeAt(0) & 0xffff;
    if (len > 1) k1 ^= (key.charCodeAt(1) & 0xffff) << 8;
    if (len > 2) k1 ^= (key.charCodeAt(2) & 0xffff) << 16;
  }
  // imurmurhash only mixes a positive tail (a negative int32 is skipped): keep the quirk.
  if (k1 > 0) {
    k1 = (k1 * 0x2d51 + (k1 & 0xffff) * 0xcc9e0000) & 0xffffffff;
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = (k1 * 0x3593 + (k1 & 0xffff) * 0x1b870000) & 0xffffffff;
    h1 ^= k1;
  }
  h1 ^= len;
  h1 ^= h1 >>> 16;
  h1 = (h1 * 0xca6b + (h1 & 0xffff) * 0x85eb0000) & 0xffffffff;
  h1 ^= h1 >>> 13;
  h1 = (h1 * 0xae35 + (h1 & 0xffff) * 0xc2b20000) & 0xffffffff;
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}
