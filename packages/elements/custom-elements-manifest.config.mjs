// Custom Elements Manifest for @parley/elements, generated from the elements'
// JSDoc headers (`npm run build` writes custom-elements.json here). Lit mode
// understands `@property`, `@state` and `static styles`.

/**
 * Our tags are registered by `defineElement('tag', Class)` in `<tag>.ts`,
 * which the analyzer does not know: read those calls and record each tag on
 * its class, plus a `custom-element-definition` export in the define module.
 */
function defineElementTags() {
  /** @type {Map<string, string>} class name → tag */
  const tags = new Map();
  return {
    name: 'parley-define-element-tags',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isCallExpression(node) || node.expression.getText() !== 'defineElement') return;
      const [tag, ctor] = node.arguments;
      if (!tag || !ctor || !ts.isStringLiteral(tag) || !ts.isIdentifier(ctor)) return;
      tags.set(ctor.text, tag.text);
      moduleDoc.exports ??= [];
      moduleDoc.exports.push({ kind: 'custom-element-definition', name: tag.text, declaration: { name: ctor.text } });
    },
    packageLinkPhase({ customElementsManifest }) {
      const home = new Map();
      for (const mod of customElementsManifest.modules) {
        for (const decl of mod.declarations ?? []) {
          if (!decl.customElement || !tags.has(decl.name)) continue;
          decl.tagName ??= tags.get(decl.name);
          home.set(decl.name, mod.path);
        }
      }
      for (const mod of customElementsManifest.modules) {
        // Drops the analyzer's guess from defineElement's own body (`customElements.define(tag, ctor)`).
        mod.exports = (mod.exports ?? []).filter((exp) => exp.kind !== 'custom-element-definition' || home.has(exp.declaration.name));
        for (const exp of mod.exports) {
          if (exp.kind === 'custom-element-definition') exp.declaration.module = home.get(exp.declaration.name);
        }
      }
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/**/*.stories.ts'],
  outdir: '.',
  litelement: true,
  packagejson: true,
  plugins: [defineElementTags()],
};
