// Installs the ocean.js test client with `npm ci` from the committed package-lock.json, unless
// node_modules already holds that lock file's install: npm ci deletes and rebuilds node_modules
// (about a minute here), which the build need not repeat on every test run. npm writes
// node_modules/.package-lock.json last, so an install that is newer than the lock file is current;
// a checkout that changes package-lock.json makes it newer and triggers a fresh `npm ci`.
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))

function modified(path) {
  try {
    return statSync(here + path).mtimeMs
  } catch {
    return -1
  }
}

if (modified('node_modules/.package-lock.json') > modified('package-lock.json')) {
  console.log('ocean.js test client: node_modules is current with package-lock.json')
} else {
  execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: here,
    stdio: 'inherit'
  })
}
