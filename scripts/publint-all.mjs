#!/usr/bin/env node
// Lints the packed contents of every publishable workspace package with publint.
//
//   pnpm build && pnpm lint:packages
//
// Publishable = a package under packages/* or plugins/* whose package.json is not `private`.
// publint packs each package (scripts ignored) and checks the files its package.json points at,
// so `dist/` must be built first. Exits 1 if any package has an error (or, with --strict, a
// warning). Suggestions and warnings are printed but do not fail the run.
//
// Intended and therefore not reported as problems: the "@tdlab/source" export condition points at
// ./src/*.ts, which is published (`files` includes src) so that workspace tooling can resolve the
// TypeScript sources; publint accepts unknown custom conditions and only checks the file exists.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const strict = process.argv.includes('--strict')

/** Workspace package directories that would be published. */
function publishableDirs() {
  const dirs = []
  for (const group of ['packages', 'plugins']) {
    const base = join(root, group)
    if (!existsSync(base)) continue
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue
      const dir = join(base, entry.name)
      const manifest = join(dir, 'package.json')
      if (!existsSync(manifest)) continue
      const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
      if (pkg.private) continue
      dirs.push(dir)
    }
  }
  return dirs.sort()
}

// Pack with pnpm (what publishing uses) when it is on PATH, as it is under `pnpm run`;
// otherwise npm, which applies the same `files` rules.
const hasPnpm = spawnSync('pnpm', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' }).status === 0
const pack = hasPnpm ? 'pnpm' : 'npm'

let failed = 0
const totals = { error: 0, warning: 0, suggestion: 0 }
for (const dir of publishableDirs()) {
  const rel = relative(root, dir)
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`✗ ${rel}: no dist/ — run \`pnpm build\` first`)
    failed++
    continue
  }
  const { messages, pkg } = await publint({ pkgDir: dir, pack, strict, level: 'suggestion' })
  const name = pkg?.name ?? rel
  if (messages.length === 0) {
    console.log(`✓ ${name} (${rel})`)
    continue
  }
  const errors = messages.filter((m) => m.type === 'error').length
  console.log(`${errors ? '✗' : '!'} ${name} (${rel})`)
  for (const m of messages) {
    totals[m.type]++
    console.log(`  ${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`)
  }
  if (errors) failed++
}
console.log(
  `\npublint (${pack} pack): ${totals.error} error(s), ${totals.warning} warning(s), ` +
    `${totals.suggestion} suggestion(s); ${failed} package(s) failing`,
)
process.exit(failed ? 1 : 0)
