import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packagesDir = join(root, 'packages');
const publishable = readdirSync(packagesDir).filter(
  (name) => !JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8')).private,
);

// The packed packages, installed into a plain Node project from their tarballs, as a user gets them.
let project: string;
beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'dials-pack-'));
  const tarballs = publishable.map((name) =>
    join(
      project,
      execFileSync('npm', ['pack', '--silent', '--pack-destination', project], { cwd: join(packagesDir, name), encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() as string,
    ),
  );
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, version: '1.0.0' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...tarballs, 'rxjs@7', 'zod@4'], {
    cwd: project,
    stdio: 'pipe',
  });
}, 240_000);
afterAll(() => rmSync(project, { recursive: true, force: true }));

const usage = (importLine: string) => `${importLine}
const source = memorySource({ initial: {
  '/config/app/database/port': '5432',
  '/flags/app/beta': JSON.stringify({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' }),
} });
const dials = createDials({ source, prefix: '/config/app/', schema: { 'database/port': z.coerce.number() } });
const flags = createFlags({ source, prefix: '/flags/app/' });
Promise.all([dials.ready(), flags.ready()]).then(async () => {
  console.log(JSON.stringify({ port: dials.get('database/port'), beta: flags.isEnabled('beta'), error: new DialsError('GENERAL', 'x').code }));
  await Promise.all([dials.close(), flags.close()]);
});
`;

describe('packed packages', () => {
  it('import from ESM', () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      usage(
        "import { createDials, memorySource, DialsError } from '@dials/core';\nimport { createFlags } from '@dials/flags';\nimport { z } from 'zod';",
      ),
    );
    expect(JSON.parse(execFileSync('node', ['esm.mjs'], { cwd: project, encoding: 'utf8' }))).toEqual({
      port: 5432,
      beta: true,
      error: 'GENERAL',
    });
  });

  it('require from CommonJS', () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      usage(
        "const { createDials, memorySource, DialsError } = require('@dials/core');\nconst { createFlags } = require('@dials/flags');\nconst { z } = require('zod');",
      ),
    );
    expect(JSON.parse(execFileSync('node', ['cjs.cjs'], { cwd: project, encoding: 'utf8' }))).toEqual({
      port: 5432,
      beta: true,
      error: 'GENERAL',
    });
  });

  it('type-check for ESM and CommonJS users, with types inferred from the schema', () => {
    const typed = (importLine: string) => `${importLine}
const dials = createDials({ source: memorySource(), prefix: '/a/', schema: { 'database/port': z.coerce.number() } });
const port: number | undefined = dials.get('database/port');
const withDefault: number = dials.get('database/port', 1);
const nested: number | undefined = dials.config.database.port;
// @ts-expect-error a number is not a string
const wrong: string | undefined = dials.get('database/port');
export { port, withDefault, nested, wrong };
`;
    writeFileSync(join(project, 'typed.mts'), typed("import { createDials, memorySource } from '@dials/core';\nimport { z } from 'zod';"));
    writeFileSync(join(project, 'typed.cts'), typed("import { createDials, memorySource } from '@dials/core';\nimport { z } from 'zod';"));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(
      'node',
      [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'typed.mts', 'typed.cts'],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
  });
});

describe('the packed dials command', () => {
  it('runs from the user project: npx dials --help', () => {
    const help = execFileSync('npx', ['--no-install', 'dials', '--help'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(help).toContain('Exit codes');
  });

  it('installs alone from its tarball (core and flags are compiled in) and runs', () => {
    const alone = mkdtempSync(join(tmpdir(), 'dials-cli-alone-'));
    try {
      const tarball = readdirSync(project).find((f) => f.startsWith('dials-cli-') && f.endsWith('.tgz')) as string;
      writeFileSync(join(alone, 'package.json'), JSON.stringify({ name: 'cli-user', private: true, version: '1.0.0' }));
      execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', join(project, tarball)], {
        cwd: alone,
        stdio: 'pipe',
      });
      expect(readdirSync(join(alone, 'node_modules', '@dials'))).toEqual(['cli']);
      const help = execFileSync('npx', ['--no-install', 'dials', 'get', '--help'], {
        cwd: alone,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
      expect(help).toContain('Usage: dials get KEY');
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });

  // Each package loads as a user's code would load it, peers included (npm installs them).
  it.each(publishable.filter((name) => name !== 'cli'))('@dials/%s imports (ESM) and requires (CommonJS)', (name) => {
    const esm = execFileSync(
      'node',
      ['--input-type=module', '-e', `const m = await import('@dials/${name}'); console.log(Object.keys(m).length);`],
      {
        cwd: project,
        encoding: 'utf8',
      },
    );
    expect(Number(esm)).toBeGreaterThan(0);
    const cjs = execFileSync('node', ['-e', `console.log(Object.keys(require('@dials/${name}')).length)`], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(Number(cjs)).toBe(Number(esm));
  });
});

// The console finds its built UI beside its own file, from either build (the CommonJS one has no
// import.meta.url of its own), and serves it mounted in a user's Express app.
it.each(['require', 'import'])('@dials/console serves its UI when loaded by %s', (how) => {
  const load = (name: string) => (how === 'require' ? `require('${name}')` : `await import('${name}')`);
  const script = `(async () => {
    const { createConsole } = ${load('@dials/console')};
    const { memorySource } = ${load('@dials/core')};
    const express = ${load('express')};
    const dialsConsole = await createConsole({ source: memorySource() });
    const app = (express.default ?? express)();
    app.use('/console', dialsConsole.router);
    const server = app.listen(0, '127.0.0.1', async () => {
      const res = await fetch('http://127.0.0.1:' + server.address().port + '/console/config');
      console.log(JSON.stringify({ status: res.status, page: (await res.text()).includes('<title>Dials console</title>') }));
      server.close();
      await dialsConsole.close();
    });
  })();`;
  const file = join(project, how === 'require' ? 'console.cjs' : 'console.mjs');
  writeFileSync(file, script);
  expect(JSON.parse(execFileSync('node', [file], { cwd: project, encoding: 'utf8' }))).toEqual({ status: 200, page: true });
});

describe('package manifests', () => {
  it.each(publishable)('%s declares every package its sources import', (name) => {
    const manifest = JSON.parse(readFileSync(join(packagesDir, name, 'package.json'), 'utf8'));
    const declared = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
    const files = readdirSync(join(packagesDir, name, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const imported = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join(packagesDir, name, 'src', file), 'utf8');
      for (const match of text.matchAll(/\bfrom\s+'([^'.][^']*)'|\bimport\(\s*'([^'.][^']*)'\s*\)|^import\s+'([^'.][^']*)'/gm)) {
        const spec = (match[1] ?? match[2] ?? match[3]) as string;
        if (spec.startsWith('node:')) continue;
        imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
      }
    }
    if (manifest.bin) {
      // A command, bundled with @dials/* and rxjs compiled in (dev dependencies): what it declares is
      // what its build imports, and it installs alone.
      const dist = readdirSync(join(packagesDir, name, 'dist')).filter((f) => f.endsWith('.js'));
      const built = new Set<string>();
      for (const file of dist)
        for (const match of readFileSync(join(packagesDir, name, 'dist', file), 'utf8').matchAll(/^import[^;]*?from\s*"([^".][^"]*)"/gm)) {
          const spec = match[1] as string;
          if (!builtinModules.includes(spec.replace(/^node:/, '')))
            built.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
        }
      expect([...built].sort()).toEqual(Object.keys(manifest.dependencies).sort());
      expect([...imported].filter((dep) => !declared.has(dep) && !(dep in manifest.devDependencies))).toEqual([]);
      return;
    }
    expect([...imported].filter((dep) => !declared.has(dep))).toEqual([]);
    expect(manifest.exports['.'].import.types).toBeDefined();
    expect(Object.keys(manifest.exports['.'].import)[0]).toBe('types');
    expect(manifest.sideEffects).toBe(false);
  });
});
