/**
 * The option table as text: `parley-server --help`, and the Markdown table of
 * the package README (whose copy a test compares with this one).
 */
import { CONFIG_OPTION, OPTIONS } from './option-table.js';
import type { CliOption } from './option-table.js';

/** How values are looked up, said once for both texts. */
const PRECEDENCE =
  'Every option is a flag, an environment variable or a key of the JSON config file; a flag wins over the environment, ' +
  'which wins over the file. Secrets have no flag: set them in the environment (or in a file named by the variable with ' +
  '_FILE appended, e.g. PARLEY_JWT_SECRET_FILE=/run/secrets/jwt) or in the config file.';

/** `--name <label>` (or `--[no-]name` for switches), with its alias. */
function flagText(option: CliOption): string {
  if (!option.flag) return '';
  const name = option.type.isSwitch ? switchName(option) : `--${option.flag} <${plain(option.type.label.replace(/\\\|/g, '|'))}>`;
  return option.alias ? `${name}, --${option.alias}` : name;
}

/** A switch flag; `--[no-]name` when it is on by default, so the way to turn it off shows. */
function switchName(option: CliOption): string {
  return option.defaultText === 'true' ? `--[no-]${option.flag}` : `--${option.flag}`;
}

/** Markdown to plain text: no backticks, links as their text. */
function plain(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\([^)]+\)/g, '$1').replace(/`/g, '').replace(/\*\*/g, '');
}

/** The text of `parley-server --help`. */
export function usageText(): string {
  const lines = ['Usage: parley-server [options]', '', wrap(PRECEDENCE, 100), ''];
  lines.push(`  --${CONFIG_OPTION.flag} <file>  (${CONFIG_OPTION.env})  ${plain(CONFIG_OPTION.doc)}`, '  -h, --help  this text', '');
  let section = '';
  for (const option of OPTIONS) {
    if (option.section !== section) {
      section = option.section;
      lines.push(`${section}:`);
    }
    const names = [flagText(option), option.env ? (option.fromFile ? `${option.env}[_FILE]` : option.env) : '', option.key ? `"${option.key}"` : '']
      .filter(Boolean)
      .join('  ');
    const fallback = option.defaultText ? ` [default: ${plain(option.defaultText)}]` : '';
    lines.push(`  ${names}`, `      ${plain(option.doc)}${fallback}`);
  }
  return lines.join('\n');
}

/** The README's options table (Markdown), one row per option, grouped by section. */
export function optionsMarkdown(): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const code = (text: string): string => (text ? `\`${text}\`` : '');
  const rows = [
    `| key | flag | environment | type | default | meaning |`,
    `| --- | --- | --- | --- | --- | --- |`,
    `| | \`--${CONFIG_OPTION.flag} <file>\` | \`${CONFIG_OPTION.env}\` | path | none | ${CONFIG_OPTION.doc} |`,
  ];
  let section = '';
  for (const option of OPTIONS) {
    if (option.section !== section) {
      section = option.section;
      rows.push(`| **${section}** | | | | | |`);
    }
    const flag = option.flag ? code(option.type.isSwitch ? switchName(option) : `--${option.flag}`) + (option.alias ? `, \`--${option.alias}\`` : '') : '';
    const env = option.env ? code(option.env) + (option.fromFile ? `, \`${option.env}_FILE\`` : '') : '';
    const row = [code(option.key ?? ''), cell(flag), env, option.type.label, option.defaultText, option.doc];
    rows.push(`| ${row.join(' | ')} |`);
  }
  return rows.join('\n');
}

function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  return [...lines, line].join('\n');
}
