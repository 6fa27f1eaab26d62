// What a person sees when an upload fails: the gateway's real answers for a file that is too
// large and for one that is not an image, and (with the network cut in the browser) for an
// unreachable server and for a gateway timeout; and why a search query is refused.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { BASE_URL, OCR_TIMEOUT, launch, required, screenshot } from './lib.mjs'

const HUGE_IMAGE = required('HUGE_IMAGE') // noise: over the gateway's MAX_UPLOAD_BYTES even as a 2000 px JPEG

describe('ocrmesh front end errors', () => {
  let context, page

  before(async () => {
    context = await launch({ viewport: { width: 1100, height: 760 } })
    page = await context.newPage()
    await page.goto(`${BASE_URL}/`)
  })

  after(async () => {
    await context?.close()
  })

  async function expectError(code, text) {
    const alert = page.locator(`[data-testid="error"][data-code="${code}"]`)
    await alert.waitFor({ timeout: OCR_TIMEOUT })
    assert.match(await alert.innerText(), text)
    assert.equal(await page.getByRole('progressbar').count(), 0)
    assert.ok(await page.getByRole('button', { name: 'Choose a file…' }).isEnabled())
  }

  it('says when a file is too large', async () => {
    const answer = page.waitForResponse((r) => r.url() === `${BASE_URL}/v1/ocr`, { timeout: OCR_TIMEOUT })
    await page.locator('#file-input').setInputFiles(HUGE_IMAGE)
    assert.equal((await answer).status(), 413)
    // The request is over the gateway's MAX_REQUEST_BYTES: refused from its Content-Length, before it is read.
    await expectError('request_too_large', /The image is too large to upload/)
    await screenshot(page, '05-error-too-large')
  })

  it('says when a file is not an image', async () => {
    const answer = page.waitForResponse((r) => r.url() === `${BASE_URL}/v1/ocr`, { timeout: OCR_TIMEOUT })
    await page.locator('#file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture\n') })
    assert.equal((await answer).status(), 415)
    await expectError('unsupported_media_type', /not an image ocrmesh can read/)
    await screenshot(page, '06-error-not-an-image')
  })

  it('says why a search cannot be run', async () => {
    const box = page.getByRole('searchbox', { name: 'Search the text of stored results' })
    const answer = page.waitForResponse((r) => r.url().startsWith(`${BASE_URL}/v1/search?`))
    await box.fill('"an unclosed quote')
    await box.press('Enter')
    assert.equal((await answer).status(), 422)
    const error = page.locator('.search-error')
    await error.waitFor()
    assert.match(await error.innerText(), /This search cannot be run\. a quote is not closed/)
  })

  it('says when the server cannot be reached', async () => {
    await page.route('**/v1/ocr', (route) => route.abort('connectionrefused'))
    await page.locator('#file-input').setInputFiles({ name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('x') })
    await expectError('network_error', /Could not reach the server/)
    await page.unroute('**/v1/ocr')
  })

  it('says when reading timed out', async () => {
    await page.route('**/v1/ocr', (route) =>
      route.fulfill({ status: 504, contentType: 'application/json', body: JSON.stringify({ error: 'upstream_timeout', detail: 'detection timed out' }) }),
    )
    await page.locator('#file-input').setInputFiles({ name: 'a.txt', mimeType: 'text/plain', buffer: Buffer.from('x') })
    await expectError('upstream_timeout', /took too long/)
    await page.unroute('**/v1/ocr')
  })
})
