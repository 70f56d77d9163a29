// Writes the options table of packages/server-adapter/README.md from the
// server's option table (between its options-table markers), so the README
// lists exactly what `parley-server` reads. Run through tsx: `npm run docs:options`.
import { readFile, writeFile } from 'node:fs/promises';
import { optionsMarkdown } from '../packages/server-adapter/src/cli/option-docs.ts';

const README = new URL('../packages/server-adapter/README.md', import.meta.url);
const START = '<!-- options-table:start (written by npm run docs:options) -->';
const END = '<!-- options-table:end -->';

const text = await readFile(README, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) throw new Error(`${README.pathname}: no ${START} … ${END} markers`);
const next = `${text.slice(0, from + START.length)}\n${optionsMarkdown()}\n${text.slice(to)}`;
if (next !== text) await writeFile(README, next);
console.log(next === text ? 'options table up to date' : 'options table written');
