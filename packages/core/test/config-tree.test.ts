import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseEndpoints } from '../src/etcd-source.js';
import { buildConfigTree } from '../src/internal/config-tree.js';
import { prefixEnd } from '../src/internal/keys.js';

describe('buildConfigTree', () => {
  it('nests paths and lets a branch win over a leaf of the same name', () => {
    const tree = buildConfigTree(
      new Map<string, unknown>([
        ['a', 1],
        ['a/b', 2],
        ['c/d/e', 3],
        ['f', 4],
      ]),
    );
    expect(JSON.parse(JSON.stringify(tree))).toEqual({ a: { b: 2 }, c: { d: { e: 3 } }, f: 4 });
  });

  it('never changes Object.prototype, whatever the paths', () => {
    const segment = fc.constantFrom('__proto__', 'constructor', 'prototype', 'a', 'toString', 'valueOf', '');
    const pristine = Object.getOwnPropertyNames(Object.prototype).sort();
    const branches = (node: object): object[] => [
      node,
      ...Object.values(node).flatMap((child) =>
        typeof child === 'object' && child !== null && Object.getPrototypeOf(child) === null ? branches(child) : [],
      ),
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.jsonValue())), (entries) => {
        const tree = buildConfigTree(new Map(entries.map(([p, v]) => [p.join('/'), v])));
        expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(pristine);
        for (const node of branches(tree)) {
          expect(Object.getPrototypeOf(node)).toBeNull();
          for (const name of ['__proto__', 'constructor', 'prototype']) expect(Object.hasOwn(node, name)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('keys and endpoints', () => {
  it('computes the end of a prefix range as etcd does', () => {
    expect(prefixEnd('/a/').toString()).toBe('/a0');
    expect([...prefixEnd('a\xff')]).toEqual([0x61, 0xc3, 0xc0]); // utf-8 of ÿ is c3 bf: the last byte steps
    expect([...prefixEnd('')]).toEqual([0]);
  });

  it('takes endpoints as a list, a comma list, or ETCD_ENDPOINTS', () => {
    expect(parseEndpoints(['a:1', 'b:2'])).toEqual(['a:1', 'b:2']);
    expect(parseEndpoints(' a:1, b:2 ,')).toEqual(['a:1', 'b:2']);
    const saved = process.env.ETCD_ENDPOINTS;
    process.env.ETCD_ENDPOINTS = 'c:3';
    expect(parseEndpoints(undefined)).toEqual(['c:3']);
    if (saved === undefined) delete process.env.ETCD_ENDPOINTS;
    else process.env.ETCD_ENDPOINTS = saved;
    expect(() => parseEndpoints(' , ')).toThrow(/no endpoints/);
  });
});
