// Signing in to a gateway with authentication on (the chart's default): the front end asks for an API key
// on the first 401, refuses to go on with a wrong one, keeps the right one in this tab (a reload stays signed
// in, another tab asks again), sends it on every call (the upload, the listing, the stored image) and forgets
// it on "Sign out".
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'

import { BASE_URL, OCR_TIMEOUT, launch, required, screenshot, watchErrors } from './lib.mjs'

const API_KEY = required('API_KEY')
const LINE_IMAGE = required('LINE_IMAGE')
const WRONG_KEY = `ocm_000000000000_${'x'.repeat(43)}`

describe('sign-in against a gateway with authentication on', () => {
  let context, page, errors, requestId

  before(async () => {
    context = await launch()
    page = await context.newPage()
    errors = watchErrors(page)
  })

  after(async () => {
    await context?.close()
  })

  const signInHeading = (p = page) => p.getByRole('heading', { name: 'Sign in' })

  async function signIn(key) {
    await page.getByLabel('API key or token').fill(key)
    await page.getByRole('button', { name: 'Sign in' }).click()
  }

  it('asks for a key before anything else', async () => {
    await page.goto(`${BASE_URL}/`)
    await signInHeading().waitFor()
    assert.equal(await page.locator('#file-input').count(), 0, 'no upload before signing in')
    await screenshot(page, '20-sign-in')
  })

  it('refuses a wrong key and asks again', async () => {
    await signIn(WRONG_KEY)
    await page.getByRole('alert').filter({ hasText: 'was not accepted' }).waitFor()
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ocrmesh.credential')), null)
  })

  it('goes on with the right key and sends it with every call', async () => {
    const authorized = []
    page.on('request', (r) => r.url().includes('/v1/') && authorized.push(r.headers().authorization ?? null))
    await signIn(API_KEY)
    await page.getByRole('heading', { name: 'Recent results' }).waitFor()
    assert.equal(await signInHeading().count(), 0)
    const answer = page.waitForResponse((r) => r.url() === `${BASE_URL}/v1/ocr` && r.request().method() === 'POST', {
      timeout: OCR_TIMEOUT,
    })
    await page.locator('#file-input').setInputFiles(LINE_IMAGE)
    const response = await answer
    assert.equal(response.status(), 200, await response.text())
    requestId = (await response.json()).request_id
    await page.getByRole('status').filter({ hasText: /Done: \d+ lines? read\./ }).waitFor({ timeout: OCR_TIMEOUT })
    assert.ok(authorized.length >= 2 && authorized.every((h) => h === `Bearer ${API_KEY}`), JSON.stringify(authorized))
  })

  it('stays signed in across a reload and shows the stored image, fetched with the key', async () => {
    await page.reload()
    await page.getByRole('heading', { name: 'Recent results' }).waitFor()
    const item = page.locator(`button.recent-item[data-request-id="${requestId}"]`)
    // The image-store writes a result a moment after the answer: refresh until it is listed.
    for (let i = 0; i < 30 && !(await item.count()); i++) {
      await page.waitForTimeout(1000)
      await page.getByRole('button', { name: 'Refresh' }).click()
    }
    await item.click()
    await page.getByRole('status').filter({ hasText: /Opened a result/ }).waitFor({ timeout: OCR_TIMEOUT })
    const natural = await page.locator('.overlay img').evaluate(async (img) => {
      await img.decode()
      return [img.src.slice(0, 5), img.naturalWidth]
    })
    assert.equal(natural[0], 'blob:')
    assert.ok(natural[1] > 0, 'the stored image was shown')
    await screenshot(page, '21-signed-in', { fullPage: true })
  })

  it('keeps the key to this tab: another tab asks for it', async () => {
    const other = await context.newPage()
    await other.goto(`${BASE_URL}/`)
    await signInHeading(other).waitFor()
    await other.close()
  })

  it('forgets the key on sign out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signInHeading().waitFor()
    assert.equal(await page.evaluate(() => sessionStorage.getItem('ocrmesh.credential')), null)
    // The browser logs each 401 the page got, and each 404 of the result read back (after the reload, from its
    // #/result link) before the image-store had written it, which the page retries; nothing else may go wrong.
    assert.deepEqual(errors.filter((e) => !/(401 \(Unauthorized\)|404 \(Not Found\))/.test(e)), [])
  })
})
