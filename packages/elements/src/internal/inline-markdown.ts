/**
 * Safe inline markdown: **bold**, *italic* / _italic_, `code`, [links](https://…),
 * bare http(s) URLs and @mentions. Text is parsed into a small tree and
 * rendered as Lit templates whose only dynamic parts are text nodes and a
 * validated `href`, so user content can never become markup.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';

/** One piece of parsed inline markdown. */
export type InlineNode =
  | { type: 'text'; text: string }
  | { type: 'strong'; children: InlineNode[] }
  | { type: 'em'; children: InlineNode[] }
  | { type: 'code'; text: string }
  | { type: 'link'; href: string; children: InlineNode[] }
  | { type: 'mention'; user: string; text: string };

/** Options of {@link parseInline}. */
export interface ParseOptions {
  /** User ids whose `@id` is highlighted (the message's `mentions`); every `@word` when omitted. */
  mentions?: readonly string[];
}

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const LINK = /^\[([^\]\n]+)\]\(([^)\s]+)\)/;
const BARE_URL = /^https?:\/\/[^\s<>"]+/;
const MENTION = /^@([A-Za-z0-9_][A-Za-z0-9_.-]*)/;
const TRAILING_PUNCTUATION = /[.,;:!?'")\]]+$/;
const MAX_DEPTH = 4;

/** Returns `href` when it is an absolute http, https or mailto URL; null otherwise. */
export function safeHref(href: string): string | null {
  try {
    const url = new URL(href);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Parses inline markdown into a tree of {@link InlineNode}s (never throws). */
export function parseInline(text: string, options: ParseOptions = {}): InlineNode[] {
  return parse(text, options, 0, true);
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_]/u.test(ch);
}

function parse(text: string, options: ParseOptions, depth: number, links: boolean): InlineNode[] {
  const out: InlineNode[] = [];
  let buffer = '';
  const flush = (): void => {
    if (buffer) out.push({ type: 'text', text: buffer });
    buffer = '';
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const prev = i > 0 ? text[i - 1] : undefined;
    const rest = text.slice(i);

    if (ch === '`') {
      const end = text.indexOf('`', i + 1);
      if (end > i + 1) {
        flush();
        out.push({ type: 'code', text: text.slice(i + 1, end) });
        i = end + 1;
        continue;
      }
    }

    if (depth < MAX_DEPTH && (rest.startsWith('**') || rest.startsWith('__')) && !isWordChar(prev)) {
      const marker = rest.slice(0, 2);
      const end = text.indexOf(marker, i + 2);
      if (end > i + 2 && !/\s/.test(text[i + 2]) && !/\s/.test(text[end - 1])) {
        flush();
        out.push({ type: 'strong', children: parse(text.slice(i + 2, end), options, depth + 1, links) });
        i = end + 2;
        continue;
      }
    }

    if (depth < MAX_DEPTH && (ch === '*' || ch === '_') && !isWordChar(prev)) {
      const end = findClosing(text, ch, i + 1);
      if (end > i + 1 && !/\s/.test(text[i + 1]) && !/\s/.test(text[end - 1])) {
        flush();
        out.push({ type: 'em', children: parse(text.slice(i + 1, end), options, depth + 1, links) });
        i = end + 1;
        continue;
      }
    }

    if (links && ch === '[') {
      const match = LINK.exec(rest);
      if (match) {
        const href = safeHref(match[2]);
        flush();
        if (href) {
          out.push({ type: 'link', href, children: parse(match[1], options, depth + 1, false) });
        } else {
          // An unsafe target stays visible as plain text, so the reader sees what was sent.
          out.push({ type: 'text', text: match[0] });
        }
        i += match[0].length;
        continue;
      }
    }

    if (links && (ch === 'h' || ch === 'H') && !isWordChar(prev)) {
      const match = BARE_URL.exec(rest);
      if (match) {
        const raw = match[0].replace(TRAILING_PUNCTUATION, '');
        const href = safeHref(raw);
        if (href) {
          flush();
          out.push({ type: 'link', href, children: [{ type: 'text', text: raw }] });
          i += raw.length;
          continue;
        }
      }
    }

    if (ch === '@' && !isWordChar(prev)) {
      const match = MENTION.exec(rest);
      if (match) {
        const user = (match[1]).replace(/[.-]+$/, '');
        if (!options.mentions || options.mentions.includes(user)) {
          flush();
          out.push({ type: 'mention', user, text: `@${user}` });
          i += user.length + 1;
          continue;
        }
      }
    }

    buffer += ch;
    i += 1;
  }
  flush();
  return out;
}

/** The closing single `*` or `_` of an emphasis, not part of a double marker; -1 if none. */
function findClosing(text: string, marker: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] !== marker) continue;
    if (text[j + 1] === marker) {
      j += 1;
      continue;
    }
    if (marker === '_' && isWordChar(text[j + 1])) continue;
    return j;
  }
  return -1;
}

/** Options of {@link renderInline}. */
export interface RenderOptions extends ParseOptions {
  /** The current user's id: mentions of them get the `mention-me` part. */
  me?: string;
}

/** Renders inline markdown as a Lit template of text nodes and safe elements. */
export function renderInline(text: string, options: RenderOptions = {}): TemplateResult {
  return renderNodes(parseInline(text, options), options.me);
}

/** Renders parsed nodes (see {@link parseInline}). */
export function renderNodes(nodes: readonly InlineNode[], me?: string): TemplateResult {
  return html`${nodes.map((node) => renderNode(node, me))}`;
}

function renderNode(node: InlineNode, me: string | undefined): TemplateResult | string | typeof nothing {
  switch (node.type) {
    case 'text':
      return node.text;
    case 'strong':
      return html`<strong>${renderNodes(node.children, me)}</strong>`;
    case 'em':
      return html`<em>${renderNodes(node.children, me)}</em>`;
    case 'code':
      return html`<code part="code">${node.text}</code>`;
    case 'link':
      return html`<a part="link" href=${node.href} rel="noopener noreferrer" target="_blank"
        >${renderNodes(node.children, me)}</a
      >`;
    case 'mention':
      return html`<span part=${node.user === me ? 'mention mention-me' : 'mention'} class="mention"
        >${node.text}</span
      >`;
    default:
      return nothing;
  }
}
