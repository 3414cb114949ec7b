// Lists the exports that nothing imports (issue 16, "no dead code"): every export of a module
// under worker/, origin-sync/, scripts/ and bench/ that no other file of the repository
// (tests included) imports or re-exports, found with the TypeScript checker rather than by name,
// so a re-export, a rename on import or a type-only import all count as a use.
//
//   node scripts/check-unused.ts          # exits 1 and names each one when there is any
//   node scripts/check-unused.ts --local  # also lists the values exported but used only in
//                                         # their own module (their `export` is spare, the code
//                                         # is not dead; a type in an exported signature is not
//                                         # listed, it is part of the module's face)
//
// An export may stay unused only when it is an entry point the runtime calls (the worker's
// default export and its Durable Object classes, named in wrangler.toml) or it is marked with a
// `// entry:` comment on the line above saying who calls it from outside the TypeScript world.
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '..');
const LIST_LOCAL = process.argv.includes('--local');
const CHECKED = /^(worker|origin-sync|scripts|bench)\//;
/** Called by the runtime, not imported: wrangler.toml's main, its Durable Object classes. */
const ENTRIES = new Set([
  'worker/index.ts:default',
  'worker/index.ts:PageCoordinator',
  'worker/index.ts:HostnameRegistry',
]);

function program(): ts.Program {
  const files = new Set<string>();
  for (const project of ['tsconfig.json', 'worker/tsconfig.json', 'origin-sync/tsconfig.json']) {
    const path = resolve(ROOT, project);
    const config = ts.readConfigFile(path, ts.sys.readFile);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, resolve(path, '..'));
    for (const f of parsed.fileNames) files.add(f);
  }
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(resolve(ROOT, 'tsconfig.json'), ts.sys.readFile).config,
    ts.sys,
    ROOT,
  );
  return ts.createProgram([...files], parsed.options);
}

const prog = program();
const checker = prog.getTypeChecker();
const used = new Set<ts.Symbol>();

/** The symbol an import or re-export stands for, followed through every alias. */
function target(node: ts.Node): ts.Symbol | undefined {
  const symbol = checker.getSymbolAtLocation(node);
  if (!symbol) return undefined;
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

function markModule(specifier: ts.Expression, all: boolean, names: ts.Identifier[]): void {
  const moduleSymbol = checker.getSymbolAtLocation(specifier);
  if (!moduleSymbol) return;
  if (all) for (const e of checker.getExportsOfModule(moduleSymbol)) used.add(resolved(e));
  for (const name of names) {
    const e = checker.tryGetMemberInModuleExports(name.text, moduleSymbol);
    if (e) used.add(resolved(e));
  }
}

function resolved(symbol: ts.Symbol): ts.Symbol {
  return symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
}

for (const file of prog.getSourceFiles()) {
  if (file.isDeclarationFile) continue;
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && node.importClause) {
      const { name, namedBindings } = node.importClause;
      if (name) markModule(node.moduleSpecifier, false, [ts.factory.createIdentifier('default')]);
      if (namedBindings && ts.isNamespaceImport(namedBindings)) {
        markModule(node.moduleSpecifier, true, []);
      } else if (namedBindings) {
        for (const el of namedBindings.elements) {
          const t = target(el.name);
          if (t) used.add(t);
        }
      }
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      if (!node.exportClause || ts.isNamespaceExport(node.exportClause)) {
        markModule(node.moduleSpecifier, true, []);
      } else {
        // A re-export counts as a use of what it hands on (and is itself judged where it
        // stands, as an export of its own module).
        const names = node.exportClause.elements.map((el) => el.propertyName ?? el.name);
        markModule(node.moduleSpecifier, false, names.filter(ts.isIdentifier));
      }
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg) markModule(arg, true, []); // a dynamic import may use anything
    } else if (ts.isImportTypeNode(node)) {
      // `import('x').Name` in a type position; `typeof import('x')` takes the whole module
      const t = node.qualifier ? target(node.qualifier) : undefined;
      if (t) used.add(t);
      const arg = node.argument;
      if (!node.qualifier && ts.isLiteralTypeNode(arg)) markModule(arg.literal, true, []);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

const unused: string[] = [];
for (const file of prog.getSourceFiles()) {
  const rel = relative(ROOT, file.fileName);
  if (file.isDeclarationFile || !CHECKED.test(rel)) continue;
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) continue;
  const text = readFileSync(file.fileName, 'utf8');
  const lines = text.split('\n');
  for (const e of checker.getExportsOfModule(moduleSymbol)) {
    if (used.has(resolved(e)) || ENTRIES.has(`${rel}:${e.name}`)) continue;
    const decl = e.declarations?.[0];
    if (!decl || decl.getSourceFile() !== file) continue; // a re-export: judged where it stands
    const line = file.getLineAndCharacterOfPosition(decl.getStart()).line;
    if (/\/\/ entry:/.test(lines[line - 1] ?? '')) continue;
    // Used in its own file: at most the word `export` is spare. Not dead code.
    const uses = text.match(new RegExp(`\\b${e.name}\\b`, 'g'))?.length ?? 0;
    if (uses > 1) {
      if (LIST_LOCAL && e.flags & ts.SymbolFlags.Value)
        console.log(`local only: ${rel}:${line + 1} ${e.name}`);
      continue;
    }
    unused.push(`${rel}:${line + 1} ${e.name}`);
  }
}

if (unused.length > 0) {
  console.error(`${unused.length} exports nothing uses, here or elsewhere:\n${unused.join('\n')}`);
  process.exit(1);
}
console.log('check-unused: every export is imported somewhere');
