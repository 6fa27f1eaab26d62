// Shared by the browser tests: Debian's Chromium through playwright-core, configured from the
// environment that tests/e2e/conftest.py sets (BASE_URL, CHROMIUM, SCREENSHOTS, ...).
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { chromium } from 'playwright-core'

export const BASE_URL = required('BASE_URL').replace(/\/$/, '')
export const SCREENSHOTS = process.env.SCREENSHOTS ?? join(process.cwd(), 'screenshots')
// The machine is shared with model training: generous waits for the OCR itself.
export const OCR_TIMEOUT = Number(process.env.OCR_TIMEOUT_MS ?? 150_000)

export function required(name) {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is not set (these scripts are started by tests/e2e/*.py)`)
  return value
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** A fresh Chromium profile; closing the returned context deletes it. */
export async function launch({ viewport = { width: 1366, height: 900 }, args = [], ...options } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'ocrmesh-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [...ARGS, ...args],
    viewport,
    acceptDownloads: true,
    ...options,
  })
  context.setDefaultTimeout(20_000)
  const close = context.close.bind(context)
  context.close = async () => {
    await close()
    rmSync(profile, { recursive: true, force: true })
  }
  return context
}

/** Aborts every request that does not go to this machine, and records it. */
export async function blockNonLocal(context) {
  const blocked = []
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) || ['data:', 'blob:'].includes(url.protocol)) {
      return route.continue()
    }
    blocked.push(url.href)
    return route.abort('blockedbyclient')
  })
  return blocked
}

/** Console errors and uncaught exceptions of a page, for the tests to assert on. */
export function watchErrors(page) {
  const errors = []
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
  page.on('pageerror', (err) => errors.push(String(err)))
  return errors
}

export async function screenshot(page, name, options = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, ...options })
  return path
}
