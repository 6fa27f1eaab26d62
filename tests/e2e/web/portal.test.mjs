// The docs portal, offline: every request that leaves this machine is blocked, and every
// operation of every service must still be listed.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { BASE_URL, blockNonLocal, launch, screenshot, watchErrors } from './lib.mjs'

const EXPECTED = {
  gateway: ['/v1/ocr', '/v1/ocr/{request_id}', '/v1/ocr/{request_id}/image', '/v1/ocr/{request_id}/corrections'],
  detection: ['/v1/detect'],
  recognition: ['/v1/recognize'],
  'image-store': ['/v1/images', '/v1/images/{image_id}', '/v1/images/{image_id}/file'],
}

describe('ocrmesh docs portal', () => {
  let context, page, blocked, errors, index

  before(async () => {
    context = await launch({ viewport: { width: 1280, height: 900 } })
    blocked = await blockNonLocal(context)
    page = await context.newPage()
    errors = watchErrors(page)
  })

  after(async () => {
    await context?.close()
  })

  it('has a Content-Security-Policy that keeps it on this server', async () => {
    await page.goto(`${BASE_URL}/portal/`)
    const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
    assert.equal(csp, "default-src 'self' blob: data: 'unsafe-inline'")
    index = await (await page.request.get(`${BASE_URL}/portal/specs/services.json`)).json()
    assert.deepEqual(index.services.map((s) => s.name), ['gateway', 'detection', 'recognition', 'image-store'])
  })

  it("lists every operation of every service's OpenAPI", async () => {
    for (const svc of index.services) {
      const section = page.locator(`section.service[data-service="${svc.name}"]`)
      await section.locator('.opblock').first().waitFor()
      const spec = await (await page.request.get(`${BASE_URL}/portal/${svc.spec}`)).json()
      const documented = Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      const shown = await section.locator('.opblock').evaluateAll((blocks) =>
        blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent?.trim()} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
      )
      assert.deepEqual([...shown].sort(), [...documented].sort(), `${svc.name}: every operation shown`)
      for (const path of EXPECTED[svc.name]) {
        assert.ok(shown.some((s) => s.endsWith(` ${path}`)), `${svc.name} shows ${path}`)
      }
    }
    await screenshot(page, '07-portal')
  })

  it('opens an operation with its parameters and responses', async () => {
    const op = page.locator('section.service[data-service="gateway"] .opblock-post').filter({ has: page.locator('[data-path="/v1/ocr"]') })
    await op.locator('.opblock-summary').first().click()
    await op.locator('.parameters-container, .opblock-section-request-body').first().waitFor()
    await op.locator('.responses-table').first().waitFor()
    assert.match(await op.innerText(), /413/)
    await screenshot(page, '08-portal-operation', { fullPage: false })
  })

  it('needed nothing from outside and logged no errors', () => {
    assert.deepEqual(blocked, [], 'requests to other hosts')
    assert.deepEqual(errors, [], 'console errors')
  })
})
