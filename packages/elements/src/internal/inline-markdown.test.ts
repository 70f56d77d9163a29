import { expect } from '@open-wc/testing';
import { render } from 'lit';
import { parseInline, renderInline, safeHref } from './inline-markdown.js';

/** Renders `text` into a fresh container, as an element would. */
function rendered(text: string, me?: string, mentions?: string[]): HTMLElement {
  const container = document.createElement('div');
  render(renderInline(text, { ...(me ? { me } : {}), ...(mentions ? { mentions } : {}) }), container);
  return container;
}

describe('inline markdown', () => {
  it('renders bold, italic and code', () => {
    const el = rendered('a **bold** and *italic* and _also_ with `x < y`');
    expect(el.querySelector('strong')?.textContent).to.equal('bold');
    expect([...el.querySelectorAll('em')].map((e) => e.textContent)).to.deep.equal(['italic', 'also']);
    expect(el.querySelector('code')?.textContent).to.equal('x < y');
    expect(el.textContent).to.equal('a bold and italic and also with x < y');
  });

  it('nests emphasis in bold', () => {
    const nodes = parseInline('**very *important***');
    expect(nodes[0]?.type).to.equal('strong');
    const el = rendered('**very *important* news**');
    expect(el.querySelector('strong em')?.textContent).to.equal('important');
  });

  it('leaves snake_case and lone markers alone', () => {
    const el = rendered('snake_case_name 2 * 3 * 4 and a ** b');
    expect(el.querySelector('em, strong')).to.equal(null);
    expect(el.textContent).to.equal('snake_case_name 2 * 3 * 4 and a ** b');
  });

  it('links only http, https and mailto, with safe attributes', () => {
    const el = rendered('[site](https://example.com/a?b=1) mail [me](mailto:a@example.com) bad [x](javascript:alert(1))');
    const links = [...el.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).to.deep.equal(['https://example.com/a?b=1', 'mailto:a@example.com']);
    for (const a of links) {
      expect(a.getAttribute('rel')).to.equal('noopener noreferrer');
      expect(a.getAttribute('target')).to.equal('_blank');
    }
    expect(el.textContent).to.contain('[x](javascript:alert(1))');
  });

  it('links bare URLs without trailing punctuation', () => {
    const el = rendered('see https://example.com/path, then (http://x.test).');
    const hrefs = [...el.querySelectorAll('a')].map((a) => a.textContent);
    expect(hrefs).to.deep.equal(['https://example.com/path', 'http://x.test']);
    expect(el.textContent).to.equal('see https://example.com/path, then (http://x.test).');
  });

  it('rejects unsafe and relative hrefs', () => {
    expect(safeHref('javascript:alert(1)')).to.equal(null);
    expect(safeHref('JAVASCRIPT:alert(1)')).to.equal(null);
    expect(safeHref('data:text/html,<b>x</b>')).to.equal(null);
    expect(safeHref('/relative')).to.equal(null);
    expect(safeHref('https://ok.example')).to.equal('https://ok.example/');
  });

  it('renders HTML payloads as text and creates no elements', () => {
    const payload = '<img src=x onerror="window.pwnedByMarkdown=1"> <script>window.pwnedByMarkdown=2</script> **<b>x</b>**';
    const el = rendered(payload);
    expect(el.querySelector('img, script, b')).to.equal(null);
    expect(el.textContent).to.equal('<img src=x onerror="window.pwnedByMarkdown=1"> <script>window.pwnedByMarkdown=2</script> <b>x</b>');
    expect((window as unknown as { pwnedByMarkdown?: number }).pwnedByMarkdown).to.equal(undefined);
  });

  it('highlights mentions of listed users and marks mine', () => {
    const el = rendered('hi @ada and @bob, not @carol', 'ada', ['ada', 'bob']);
    const mentions = [...el.querySelectorAll('.mention')];
    expect(mentions.map((m) => m.textContent)).to.deep.equal(['@ada', '@bob']);
    expect(mentions[0]?.getAttribute('part')).to.equal('mention mention-me');
    expect(mentions[1]?.getAttribute('part')).to.equal('mention');
    expect(el.textContent).to.equal('hi @ada and @bob, not @carol');
  });

  it('keeps unterminated markers as text', () => {
    const el = rendered('`open **half _way [link](');
    expect(el.textContent).to.equal('`open **half _way [link](');
    expect(el.children.length).to.equal(0);
  });
});
