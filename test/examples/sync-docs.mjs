// Copies each tested example file into the docs that show it: every block that follows
// `<!-- example: path -->` is replaced with the file's current text. `npm run docs:sync`.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The docs that show tested examples: one list, read by this and by examples.test.ts.
const docs = JSON.parse(readFileSync(`${root}test/examples/docs-with-examples.json`, 'utf8'));
for (const doc of docs) {
  const path = `${root}${doc}`;
  const text = readFileSync(path, 'utf8');
  const synced = text.replace(
    /<!-- example: (\S+) -->\n```(\w+)\n[\s\S]*?```/g,
    (_, file, lang) => `<!-- example: ${file} -->\n\`\`\`${lang}\n${readFileSync(`${root}${file}`, 'utf8')}\`\`\``,
  );
  if (synced !== text) {
    writeFileSync(path, synced);
    console.log(`updated ${doc}`);
  }
}
