// Builds the portal into dist/: the page, its script and style, and Swagger UI from npm.
// The OpenAPI documents go to dist/specs/, written by export_specs.py (see scripts/build-web.sh).
import { cpSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const dist = join(here, 'dist')
const swagger = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))

rmSync(dist, { recursive: true, force: true })
mkdirSync(join(dist, 'specs'), { recursive: true })
for (const file of ['index.html', 'portal.js', 'portal.css']) cpSync(join(here, file), join(dist, file))
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  cpSync(join(swagger, file), join(dist, file === 'LICENSE' || file === 'NOTICE' ? `swagger-ui.${file}` : file))
}
console.log(`docs portal: ${dist}`)
