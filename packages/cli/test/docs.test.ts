import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCommand, splitCommand } from '../src/parse.js';
import { registry } from '../src/registry.js';

const doc = readFileSync(fileURLToPath(new URL('../../../docs/cli.md', import.meta.url)), 'utf8');

/** A shell line's words: quotes removed, stopping at a redirection or a comment. */
function words(line: string): string[] {
  const out: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? (match[3] as string);
    if (match[3] !== undefined && (word === '>' || word.startsWith('#'))) break;
    out.push(word);
  }
  return out;
}

const commandLines = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((block) =>
  (block[1] as string).split('\n').filter((line) => line.startsWith('dials ')),
);

/** The text of `### \`name\`` up to the next heading. */
function section(name: string): string {
  const start = doc.indexOf(`### \`${name}\`\n`);
  if (start === -1) return '';
  const end = doc.slice(start + 1).search(/\n##/);
  return end === -1 ? doc.slice(start) : doc.slice(start, start + 1 + end);
}

describe('docs/cli.md', () => {
  it('has commands to check', () => {
    expect(commandLines.length).toBeGreaterThan(30);
  });

  it.each(commandLines)('%s: takes only options its command has', async (line) => {
    const { name, argv } = splitCommand(words(line).slice(1));
    const entry = registry.find((e) => e.name === name);
    expect(entry, `no command ${name}`).toBeDefined();
    const command = await (entry as NonNullable<typeof entry>).load();
    expect(() => parseCommand(name as string, command, argv)).not.toThrow();
  });

  it.each(registry.map((e) => e.name))('the section of %s shows its usage, examples and every option', async (name) => {
    const text = section(name);
    expect(text, `no section for ${name}`).not.toBe('');
    const command = await (registry.find((e) => e.name === name) as (typeof registry)[number]).load();
    expect(text).toContain(`\n${command.usage}\n`);
    for (const example of command.examples) expect(text).toContain(`\n${example}\n`);
    const options = Object.keys(command.options);
    if (options.length === 0) expect(text).toContain('No options of its own.');
    for (const option of options) expect(text).toContain(`\`--${option}`);
  });
});
