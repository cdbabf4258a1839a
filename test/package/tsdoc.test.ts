/**
 * Every public export documents itself (STYLE.md, issue #10): read through the TypeScript compiler API, each
 * runtime export of every package entry has a TSDoc comment with an `@example`, and each type export has a TSDoc
 * comment. Types need no `@example` (their use is shown by the functions taking them).
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The entry files of package.json "exports" (src/internal.ts is for the benchmarks and not API). */
const ENTRIES = ['index', 'train', 'eval', 'node', 'web', 'label', 'ai-sdk', 'openai', 'langchain'];

interface Gap {
  entry: string;
  name: string;
  kind: 'value' | 'type';
  missing: string;
  file: string;
}

function documentationGaps(): { gaps: Gap[]; counted: Record<string, number> } {
  const files = ENTRIES.map((e) => join(root, 'src', `${e}.ts`));
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const program = ts.createProgram(files, config.options);
  const checker = program.getTypeChecker();
  const gaps: Gap[] = [];
  const counted: Record<string, number> = {};
  files.forEach((file, k) => {
    const source = program.getSourceFile(file);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${file}: not a module`);
    const exports = checker.getExportsOfModule(module);
    counted[ENTRIES[k]!] = exports.length;
    for (const exported of exports) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const kind = symbol.flags & ts.SymbolFlags.Value ? 'value' : 'type';
      const hasDoc = symbol.getDocumentationComment(checker).length > 0;
      const hasExample = symbol.getJsDocTags(checker).some((t) => t.name === 'example');
      const missing = !hasDoc ? 'doc comment' : kind === 'value' && !hasExample ? '@example' : null;
      if (missing) {
        const declared = symbol.declarations?.[0]?.getSourceFile().fileName ?? '?';
        gaps.push({ entry: ENTRIES[k]!, name: exported.name, kind, missing, file: relative(root, declared) });
      }
    }
  });
  return { gaps, counted };
}

describe('TSDoc of the public surface', () => {
  it('every runtime export has a doc comment with @example, every type export a doc comment', () => {
    const { gaps, counted } = documentationGaps();
    for (const entry of ENTRIES) expect(counted[entry], entry).toBeGreaterThan(0);
    expect(gaps.map((g) => `${g.entry}: ${g.kind} ${g.name} (${g.file}) lacks a ${g.missing}`)).toEqual([]);
  }, 60_000);
});
