/**
 * Code blocks of the README, found by the marker comment before them
 * (`<!-- snippet:<name> -->`), so a test runs exactly what the README shows.
 */
import { readFileSync } from 'node:fs';
import { ROOT } from './paths.js';

/** The code of the fenced block right after `<!-- snippet:<name> -->` in README.md. */
export function readmeSnippet(name: string): string {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const marker = `<!-- snippet:${name} -->`;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const block = /^\s*```[a-z]*\n([\s\S]*?)\n```/.exec(readme.slice(at + marker.length));
  if (!block?.[1]) throw new Error(`README.md has no code block right after ${marker}`);
  return block[1];
}

/** The README's example server, which a test replaces with the server it runs. */
export const README_SERVER = 'https://chat.example.com';
