#!/usr/bin/env node
// Bundles the CLI into one file (dist/claudemesh.cjs) with @claudemesh/shared inlined and third-party deps external,
// then `npm pack`s it into dist-pack/claudemesh.tgz, the tarball the server serves at /cli/claudemesh.tgz.
// Usage: node cli/build.mjs [--no-pack]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cliDir = path.dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(cliDir, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies);

await build({
  entryPoints: [path.join(cliDir, 'src/main.ts')],
  outfile: path.join(cliDir, 'dist/claudemesh.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  tsconfig: path.join(cliDir, 'tsconfig.json'),
  // Deep imports such as @modelcontextprotocol/sdk/server/mcp.js stay external too.
  external: [...external, ...external.map((d) => `${d}/*`)],
  banner: { js: '#!/usr/bin/env node' },
  legalComments: 'none',
  logLevel: 'warning',
});
fs.chmodSync(path.join(cliDir, 'dist/claudemesh.cjs'), 0o755);

// Every bare import left in the bundle must be a Node builtin or a declared dependency.
const bundle = fs.readFileSync(path.join(cliDir, 'dist/claudemesh.cjs'), 'utf8');
const { builtinModules } = await import('node:module');
for (const m of bundle.matchAll(/require\("([^".][^"]*)"\)/g)) {
  const name = m[1].startsWith('@') ? m[1].split('/').slice(0, 2).join('/') : m[1].split('/')[0];
  if (name.startsWith('node:') || builtinModules.includes(name)) continue;
  if (!external.includes(name)) throw new Error(`the bundle requires "${m[1]}", which is not in cli/package.json dependencies`);
}

if (!process.argv.includes('--no-pack')) {
  const dest = path.join(cliDir, 'dist-pack');
  fs.mkdirSync(dest, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: cliDir, encoding: 'utf8' });
  const file = JSON.parse(out)[0].filename;
  // Both names: the stable one, and the versioned one npm pack produced.
  fs.copyFileSync(path.join(dest, path.basename(file)), path.join(dest, 'claudemesh.tgz'));
  console.log(`cli: ${path.relative(process.cwd(), path.join(dest, 'claudemesh.tgz'))} (${pkg.version})`);
}
