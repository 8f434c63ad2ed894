import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ACK_ERROR_CODES, CONNECT_ERROR_CODES, ERROR_STATUS } from '@claudemesh/shared/errors';

/**
 * Checks on the repository itself (spec README C-GEN-1, C-GEN-2; style.md R1): read the sources as text and
 * TypeScript syntax trees, start nothing.
 */

const REPO_ROOT = path.resolve(__dirname, '../../..');
const SPEC_DIR = path.resolve(REPO_ROOT, '../shared/spec');
const SKIP_DIRS = new Set(['node_modules', 'dist', 'dist-pack', '.git', '.nx', '.angular', 'coverage', 'artifacts', 'results', 'tmp', '.claudemesh-data']);
const TEST_FILE = /\.(spec|int-spec|e2e-spec)\.ts$/;
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const rel = (f: string): string => path.relative(REPO_ROOT, f).split(path.sep).join('/');
const ALL = walk(REPO_ROOT);
const SOURCES = ALL.filter((f) => SOURCE_FILE.test(f) && !f.endsWith('.d.ts'));
const TESTS = SOURCES.filter((f) => TEST_FILE.test(f));
const read = (f: string): string => fs.readFileSync(f, 'utf8');
const parse = (f: string): ts.SourceFile => ts.createSourceFile(f, read(f), ts.ScriptTarget.Latest, true);

function visit(node: ts.Node, fn: (n: ts.Node) => void): void {
  fn(node);
  node.forEachChild((c) => visit(c, fn));
}

// ---- C-GEN-1 ----

const TEST_FNS = new Set(['it', 'test', 'describe']);
const TEST_MODIFIERS = new Set(['each', 'only', 'concurrent', 'failing']);

/** The callee is it/test/describe, or one of those with .each/.only/.concurrent (never .skip or .todo). */
function isTestCall(call: ts.CallExpression): boolean {
  let e: ts.Expression = call.expression;
  if (ts.isCallExpression(e)) e = e.expression; // it.each(table)(title, fn)
  while (ts.isPropertyAccessExpression(e)) {
    if (!TEST_MODIFIERS.has(e.name.text)) return false;
    e = e.expression;
  }
  return ts.isIdentifier(e) && TEST_FNS.has(e.text);
}

/** The literal text of a title: strings, templates (their literal parts) and `+` concatenations. */
function titleText(e: ts.Expression): string {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isTemplateExpression(e)) return [e.head.text, ...e.templateSpans.map((s) => s.literal.text)].join(' ');
  if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) return `${titleText(e.left)} ${titleText(e.right)}`;
  if (ts.isParenthesizedExpression(e)) return titleText(e.expression);
  return '';
}

function testTitles(file: string): string[] {
  const titles: string[] = [];
  visit(parse(file), (n) => {
    if (ts.isCallExpression(n) && n.arguments.length > 0 && isTestCall(n)) titles.push(titleText(n.arguments[0]));
  });
  return titles;
}

const ID = /\bC-[A-Z]+-\d+\b/g;

// ---- C-GEN-2 ----

/** Known duplicates with a reason; each entry must still be needed (a stale one fails the test). */
const TYPE_NAME_ALLOWLIST: Record<string, string> = {
  // e.g. 'cli/src/foo.ts:Bar': 'why this cannot import shared',
};

const SIGNING_PREFIX = /(['"`])(claudemesh-(hello|claim|join|mc)\||v=2\||hook\|)/;
const CODE_LISTS: ReadonlyArray<readonly string[]> = [Object.keys(ERROR_STATUS), ACK_ERROR_CODES, CONNECT_ERROR_CODES];
const KNOWN_CODES = new Set<string>(CODE_LISTS.flat());
const CODE_TABLE_MIN = 4;
/** A list restating most of one of shared's code lists is a copy of it; a short subset (say, one endpoint's errors) is a use. */
const restatesList = (codes: string[]): boolean =>
  codes.length >= CODE_TABLE_MIN && CODE_LISTS.some((list) => list.filter((c) => codes.includes(c)).length >= 0.75 * list.length);

/**
 * Error-code tables: an object mapping ≥4 known codes to numbers (an HTTP status table: ERROR_STATUS's job), or an
 * array, union type or object keys restating most of one of shared's code lists.
 */
function errorCodeTables(file: string): string[] {
  const sf = parse(file);
  const found: string[] = [];
  const line = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
  visit(sf, (n) => {
    if (ts.isObjectLiteralExpression(n)) {
      const props = n.properties.filter(
        (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) && KNOWN_CODES.has(p.name.text),
      );
      if (props.filter((p) => ts.isNumericLiteral(p.initializer)).length >= CODE_TABLE_MIN) found.push(`${rel(file)}:${line(n)} status table`);
      else if (restatesList(props.map((p) => (p.name as ts.Identifier).text))) found.push(`${rel(file)}:${line(n)} code map`);
    } else if (ts.isArrayLiteralExpression(n)) {
      const codes = n.elements.filter(ts.isStringLiteral).map((e) => e.text);
      if (restatesList(codes)) found.push(`${rel(file)}:${line(n)} code list`);
    } else if (ts.isUnionTypeNode(n)) {
      const codes = n.types.filter((t): t is ts.LiteralTypeNode => ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)).map((t) => (t.literal as ts.StringLiteral).text);
      if (restatesList(codes)) found.push(`${rel(file)}:${line(n)} code union`);
    }
  });
  return found;
}

const DECL = /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:const\s+)?(?:interface|type|class|enum)\s+([A-Za-z_$][\w$]*)/gm;

// ---- R1: imports ----

interface ImportRef {
  spec: string;
  typeOnly: boolean;
}

/** Every module specifier of a file: import/export declarations, import-equals, require() and import(). */
function importsOf(file: string): ImportRef[] {
  const out: ImportRef[] = [];
  visit(parse(file), (n) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const typeOnly =
        !!c &&
        (c.isTypeOnly ||
          (!c.name && !!c.namedBindings && ts.isNamedImports(c.namedBindings) && c.namedBindings.elements.length > 0 && c.namedBindings.elements.every((e) => e.isTypeOnly)));
      out.push({ spec: n.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const typeOnly = n.isTypeOnly || (!!n.exportClause && ts.isNamedExports(n.exportClause) && n.exportClause.elements.length > 0 && n.exportClause.elements.every((e) => e.isTypeOnly));
      out.push({ spec: n.moduleSpecifier.text, typeOnly });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      out.push({ spec: n.moduleReference.expression.text, typeOnly: n.isTypeOnly });
    } else if (ts.isCallExpression(n) && n.arguments.length === 1 && ts.isStringLiteral(n.arguments[0])) {
      const callee = n.expression;
      if ((ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword) out.push({ spec: n.arguments[0].text, typeOnly: false });
    }
  });
  return out;
}

type Project = 'shared' | 'database' | 'server' | 'web' | 'cli' | 'e2e' | 'bench' | 'other';
const PROJECTS: Project[] = ['shared', 'database', 'server', 'web', 'cli', 'e2e', 'bench'];
const projectOfPath = (relPath: string): Project => (PROJECTS.find((p) => relPath === p || relPath.startsWith(`${p}/`)) ?? 'other') as Project;

/** The project a specifier points at ('external' for packages, null for node builtins). */
function targetOf(file: string, spec: string): Project | 'external' {
  if (spec === '@claudemesh/database' || spec.startsWith('@claudemesh/database/')) return 'database';
  if (spec === '@claudemesh/shared' || spec.startsWith('@claudemesh/shared/')) return 'shared';
  if (spec === '@claudemesh/peer-sdk') return 'cli';
  if (spec.startsWith('.')) return projectOfPath(rel(path.resolve(path.dirname(file), spec)));
  return 'external';
}

/** Resolves a relative specifier to a file of the list, as TypeScript would (x.ts, x/index.ts, x.js → x.ts). */
function resolveRelative(file: string, spec: string, files: Set<string>): string | null {
  const base = path.resolve(path.dirname(file), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')];
  return candidates.find((c) => files.has(c)) ?? null;
}

/** Cycles of the graph (Tarjan's strongly connected components of size > 1, or self-loops). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const strong = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(comp.map(rel).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return out;
}

// ---- docs ----

/** Relative link targets of a Markdown file: [text](target) and reference definitions [x]: target. */
function markdownLinks(file: string): string[] {
  const text = read(file).replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  const out: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]);
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)) out.push(m[1]);
  return out.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#') && !t.startsWith('//'));
}

describe('workspace checks (C-GEN-1, C-GEN-2, style.md R1, docs links)', () => {
  it('C-GEN-1: every conformance id of shared/spec/*.md names at least one test (it/describe/test title)', () => {
    if (!fs.existsSync(SPEC_DIR)) {
      if (process.env['CI'] === 'true') throw new Error(`${SPEC_DIR} is missing (CI=true)`);
      console.warn(`C-GEN-1 skipped: ${SPEC_DIR} not found`);
      return;
    }
    const specIds = new Set<string>();
    for (const f of fs.readdirSync(SPEC_DIR).filter((n) => n.endsWith('.md'))) for (const m of read(path.join(SPEC_DIR, f)).matchAll(ID)) specIds.add(m[0]);
    expect(specIds.size).toBeGreaterThan(100);
    const named = new Set<string>();
    for (const f of TESTS) for (const title of testTitles(f)) for (const m of title.matchAll(ID)) named.add(m[0]);
    const missing = [...specIds].filter((id) => !named.has(id)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    if (missing.length) console.error(`conformance ids with no test named after them:\n  ${missing.join('\n  ')}`);
    expect(missing).toEqual([]);
  });

  it('C-GEN-1: the title scan reads it/describe/test titles only, including templates, and not comments or .skip', () => {
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cm-titles-')), 'probe.spec.ts');
    fs.writeFileSync(
      probe,
      [
        "// C-X-1 in a comment",
        "const s = 'C-X-2 in a string';",
        "describe('C-X-3 suite', () => {",
        "  it(`C-X-4 ${s} and C-X-5`, () => {});",
        "  it.skip('C-X-6 skipped', () => {});",
        "  test.each([1])('C-X-7 each %s', () => {});",
        "  it('C-X-8' + ' joined', () => {});",
        "});",
      ].join('\n'),
    );
    try {
      const ids = testTitles(probe).flatMap((t) => [...t.matchAll(ID)].map((m) => m[0]));
      expect(ids.sort()).toEqual(['C-X-3', 'C-X-4', 'C-X-5', 'C-X-7', 'C-X-8']);
    } finally {
      fs.rmSync(path.dirname(probe), { recursive: true });
    }
  });

  it('C-GEN-2: no file outside shared/ defines a signing string, an error-code table, or an exported type name of shared/src', () => {
    const isShared = (f: string) => rel(f).startsWith('shared/');
    // e2e/src/conformance/ holds the independent contract clients: they rebuild the canonical bytes from spec/ on purpose,
    // without shared/, so that a bug shared by server and shared/ cannot hide. They are test code, like the spec files.
    const isIndependentClient = (f: string) => rel(f).startsWith('e2e/src/conformance/');
    const production = SOURCES.filter((f) => !isShared(f) && !TEST_FILE.test(f) && !isIndependentClient(f));
    const problems: string[] = [];
    for (const f of production) {
      const text = read(f);
      text.split('\n').forEach((l, i) => {
        if (SIGNING_PREFIX.test(l)) problems.push(`${rel(f)}:${i + 1} signing string: ${l.trim().slice(0, 80)}`);
      });
      problems.push(...errorCodeTables(f));
    }
    // shared's own exported type names, re-declared (exported) elsewhere
    const sharedNames = new Map<string, string>();
    for (const f of SOURCES.filter((s) => isShared(s) && s.endsWith('.ts') && !TEST_FILE.test(s))) for (const m of read(f).matchAll(DECL)) sharedNames.set(m[1], rel(f));
    expect(sharedNames.size).toBeGreaterThan(50);
    const allowed = new Set<string>();
    for (const f of production.filter((s) => s.endsWith('.ts'))) {
      for (const m of read(f).matchAll(DECL)) {
        if (!sharedNames.has(m[1])) continue;
        const key = `${rel(f)}:${m[1]}`;
        if (TYPE_NAME_ALLOWLIST[key]) allowed.add(key);
        else problems.push(`${key} re-declares ${m[1]} of ${sharedNames.get(m[1])}`);
      }
    }
    expect(problems).toEqual([]);
    expect(Object.keys(TYPE_NAME_ALLOWLIST).filter((k) => !allowed.has(k))).toEqual([]); // no stale exceptions
    // the scanners themselves find what they look for in shared/
    const errorsFile = path.join(REPO_ROOT, 'shared/src/errors/error-codes.ts');
    expect(errorCodeTables(errorsFile).length).toBeGreaterThanOrEqual(2);
    expect(read(path.join(REPO_ROOT, 'shared/src/crypto/signing-strings.ts')).split('\n').some((l) => SIGNING_PREFIX.test(l))).toBe(true);
  });

  it('R1: shared imports nothing of ours; database only shared; web and cli only shared (cli: its sdk); server never web or cli', () => {
    const FORBIDDEN_IN_SHARED = /^(@nestjs\/|typeorm$|typeorm\/|@angular\/)/;
    const allow: Record<Project, Project[]> = {
      shared: ['shared'],
      database: ['database', 'shared'],
      server: ['server', 'database', 'shared'],
      web: ['web', 'shared'],
      cli: ['cli', 'shared'],
      e2e: ['e2e', 'server', 'database', 'shared', 'cli', 'web'],
      bench: ['bench', 'server', 'database', 'shared', 'cli'],
      other: [...PROJECTS, 'other'],
    };
    const problems: string[] = [];
    let checked = 0;
    for (const f of SOURCES) {
      const from = projectOfPath(rel(f));
      // project sources only (root tooling such as jest configs is not a project's code); e2e and bench drive everything
      if (!rel(f).startsWith(`${from}/src/`) || from === 'e2e' || from === 'bench') continue;
      for (const { spec } of importsOf(f)) {
        checked++;
        const to = targetOf(f, spec);
        if (from === 'shared' && FORBIDDEN_IN_SHARED.test(spec)) problems.push(`${rel(f)} imports ${spec}`);
        // Exception: integration specs may drive the server with the real peer SDK, as a client would.
        if (TEST_FILE.test(f) && spec === '@claudemesh/peer-sdk') continue;
        if (to !== 'external' && !allow[from].includes(to)) problems.push(`${rel(f)} (${from}) imports ${spec} (${to})`);
      }
    }
    expect(checked).toBeGreaterThan(500);
    expect(problems).toEqual([]);
  });

  it('R1: there are no circular imports between files of server/src (type-only imports aside)', () => {
    const files = SOURCES.filter((f) => rel(f).startsWith('server/src/') && f.endsWith('.ts'));
    const set = new Set(files);
    const graph = new Map<string, string[]>();
    let edges = 0;
    for (const f of files) {
      const to = importsOf(f)
        .filter((i) => !i.typeOnly && i.spec.startsWith('.'))
        .map((i) => resolveRelative(f, i.spec, set))
        .filter((x): x is string => x !== null);
      edges += to.length;
      graph.set(f, to);
    }
    expect(edges).toBeGreaterThan(200);
    const found = cycles(graph);
    if (found.length) console.error(`import cycles in server/src:\n${found.map((c) => `  ${c.join(' → ')}`).join('\n')}`);
    expect(found).toEqual([]);
    // the detector finds a cycle when there is one
    const a = '/x/a.ts';
    const b = '/x/b.ts';
    expect(cycles(new Map([[a, [b]], [b, [a]]]))).toHaveLength(1);
  });

  it('docs: every relative link in README.md and docs/*.md points to an existing file', () => {
    const docsDir = path.join(REPO_ROOT, 'docs');
    const mdFiles = [path.join(REPO_ROOT, 'README.md'), ...fs.readdirSync(docsDir).filter((n) => n.endsWith('.md')).map((n) => path.join(docsDir, n))];
    const broken: string[] = [];
    let links = 0;
    for (const md of mdFiles) {
      for (const target of markdownLinks(md)) {
        links++;
        const clean = decodeURIComponent(target.split('#')[0].split('?')[0]);
        if (!clean) continue;
        const resolved = clean.startsWith('/') ? path.join(REPO_ROOT, clean) : path.resolve(path.dirname(md), clean);
        if (!fs.existsSync(resolved)) broken.push(`${rel(md)} → ${target}`);
      }
    }
    expect(links).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });
});
