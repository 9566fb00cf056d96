/** The exclusive end of the key range of `prefix`, as etcd wants it (`\0` for every key). */
export function prefixEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] as number) < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = (bytes[i] as number) + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}
