import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginBuild } from 'esbuild';
import { defineConfig } from 'tsup';

// Index files whose values are bundled one module at a time (rxjs's ES2015 build: its `node`
// export is CommonJS, which cannot be tree-shaken).
const sources: Record<string, string> = {
  '@dials/core': '../core/src/index.ts',
  '@dials/flags': '../flags/src/index.ts',
  '@dials/discovery': '../discovery/src/index.ts',
  '@dials/console': '../console/src/index.ts',
  rxjs: '../../node_modules/rxjs/dist/esm/index.js',
};

/** `name → module` for every value an index re-exports (`export { a, type B } from './x.js'`). */
function exportsOf(index: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [, names, from] of readFileSync(index, 'utf8').matchAll(/^export \{([^}]*)\} from '([^']+)';$/gm)) {
    for (const name of (names as string).split(',').map((n) => n.trim()))
      if (name !== '' && !name.startsWith('type ')) map.set(name, from as string);
  }
  return map;
}

/**
 * @dials/core, @dials/flags, @dials/discovery, @dials/console and rxjs are compiled in (the Dials packages from their
 * sources), so that each command's chunk holds only the modules it uses. esbuild puts a module in the chunk of every command that reaches
 * a file re-exporting it: through core's index, etcd-source.ts (and etcd3, ~120 ms to load) would
 * land in `dials get`. So each importer gets an index of its own, re-exporting only the values it
 * imports, straight from their modules.
 */
const ownIndex = {
  name: 'own-index',
  setup(build: PluginBuild) {
    build.onResolve({ filter: /^(@dials\/core|@dials\/flags|@dials\/discovery|@dials\/console|rxjs)$/ }, (args) => ({
      path: `${args.path}?${args.importer}`,
      namespace: 'own-index',
      pluginData: { pkg: args.path, importer: args.importer },
    }));
    build.onLoad({ filter: /.*/, namespace: 'own-index' }, (args) => {
      const { pkg, importer } = args.pluginData as { pkg: string; importer: string };
      const index = fileURLToPath(new URL(sources[pkg] as string, import.meta.url));
      const exported = exportsOf(index);
      const wanted = new Set<string>();
      const pattern = new RegExp(`import\\s+(type\\s+)?\\{([^}]*)\\}\\s+from\\s+['"]${pkg}['"]`, 'g');
      for (const [, typeOnly, names] of readFileSync(importer, 'utf8').matchAll(pattern)) {
        if (typeOnly) continue;
        for (const name of (names as string).split(',').map((n) => n.trim()))
          if (name !== '' && !name.startsWith('type ')) wanted.add(name.split(/\s+as\s+/)[0] as string);
      }
      const lines = [...wanted].map((name) => {
        const file = exported.get(name);
        if (!file) throw new Error(`tsup.config.ts: ${importer} imports ${name} from ${pkg}, which its index does not re-export by name`);
        return `export { ${name} } from ${JSON.stringify(file)};`; // resolved from the index's folder
      });
      return { contents: lines.join('\n'), resolveDir: dirname(index), loader: 'ts' as const };
    });
  },
};

// The console's built web UI, where the console compiled into a chunk of dist/ looks for it
// (`../dist/ui` from the chunk): `dials console` serves it. Absent until the UI is built.
const consoleUi = fileURLToPath(new URL('../console/dist/ui', import.meta.url));

// Third-party packages stay external (etcd3 reads its .proto files at run time; express and zod
// are loaded by `dials console` and `dials ofrep` only): they are the command's dependencies.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  splitting: true,
  noExternal: [/^@dials\//, 'rxjs'],
  esbuildPlugins: [ownIndex],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  onSuccess: async () => {
    if (existsSync(consoleUi)) cpSync(consoleUi, fileURLToPath(new URL('./dist/ui', import.meta.url)), { recursive: true });
  },
});
