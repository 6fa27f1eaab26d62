// A 2-page PDF of real receipts through the front end and the real mesh: shown page by page ("Page 1 of 2"),
// each page with its own image (the gateway's rendering of that page), boxes and lines; the text export is
// downloaded (fetched, saved from an object URL) and holds both pages' text.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'

import { BASE_URL, OCR_TIMEOUT, launch, required, screenshot, watchErrors } from './lib.mjs'

const DOCUMENT_PDF = required('DOCUMENT_PDF')
const words = (text) => text.split(/\s+/).filter(Boolean)

describe('a PDF in the front end', () => {
  let context, page, errors, result

  before(async () => {
    context = await launch()
    page = await context.newPage()
    errors = watchErrors(page)
  })

  after(async () => {
    await context?.close()
  })

  async function waitForStatus(text, timeout = OCR_TIMEOUT) {
    await page.getByRole('status').filter({ hasText: text }).waitFor({ timeout })
  }

  /** The lines listed for the page shown, as the OCR answered them. */
  const listedLines = () => page.locator('li.line').evaluateAll((rows) => rows.map((r) => Number(r.dataset.index)))

  /** The page's image, once loaded: its natural size and the boxes' coordinate space. */
  async function shownPage(n) {
    const img = page.getByRole('img', { name: `Page ${n} of the upload` })
    await img.waitFor({ timeout: 60_000 })
    await img.evaluate((el) => el.decode())
    return {
      natural: await img.evaluate((el) => [el.naturalWidth, el.naturalHeight]),
      viewBox: await page.locator('svg.boxes').getAttribute('viewBox'),
      polygons: await page.locator('svg.boxes polygon').count(),
    }
  }

  it('reads the PDF page by page and shows "Page 1 of 2"', async () => {
    await page.goto(`${BASE_URL}/`)
    const answer = page.waitForResponse((r) => r.url() === `${BASE_URL}/v1/ocr` && r.request().method() === 'POST', {
      timeout: OCR_TIMEOUT,
    })
    await page.locator('#file-input').setInputFiles(DOCUMENT_PDF)
    const response = await answer
    assert.equal(response.status(), 200, await response.text())
    result = await response.json()
    assert.equal(result.pages.length, 2, 'the PDF is sent as it is, both pages')
    assert.ok(result.pages.every((p) => p.dpi === 200), 'pages rendered from the PDF')
    assert.ok(result.pages.every((p) => p.lines.length > 0), 'both pages have lines')
    await waitForStatus(/Done: \d+ lines read\./)
    await page.getByRole('navigation', { name: 'Pages' }).getByText('Page 1 of 2').waitFor()
  })

  it('shows page 1 with its image, boxes and lines', async () => {
    const [p1] = result.pages
    const shown = await shownPage(1)
    assert.deepEqual(shown.natural, [p1.width, p1.height], 'the page image is the page as it was read')
    assert.equal(shown.viewBox, `0 0 ${p1.width} ${p1.height}`)
    assert.equal(shown.polygons, p1.lines.length)
    assert.deepEqual(await listedLines(), p1.lines.map((_, i) => i))
    assert.match(p1.text, /PASARAYA|BORONG/i, 'page 1 is the first receipt')
    await screenshot(page, 'documents-01-page-1', { fullPage: true })
  })

  it('goes to page 2 and shows its own lines', async () => {
    const [p1, p2] = result.pages
    await page.getByRole('button', { name: 'Next page' }).click()
    await page.getByRole('navigation', { name: 'Pages' }).getByText('Page 2 of 2').waitFor()
    const shown = await shownPage(2)
    assert.deepEqual(shown.natural, [p2.width, p2.height])
    assert.equal(shown.viewBox, `0 0 ${p2.width} ${p2.height}`)
    assert.equal(shown.polygons, p2.lines.length)
    assert.deepEqual(await listedLines(), p2.lines.map((_, i) => p1.lines.length + i), 'page 2 lists its own lines')
    const first = p2.lines.find((l) => l.text.trim())
    await page.locator('li.line').filter({ hasText: first.text }).first().waitFor()
    assert.match(p2.text, /ROUNDING|JALAN NOVA/i, 'page 2 is the second receipt')
    assert.ok(await page.getByRole('button', { name: 'Next page' }).isDisabled())
    await screenshot(page, 'documents-02-page-2', { fullPage: true })
  })

  it('downloads the text export with both pages’ text', async () => {
    const [exported, download] = await Promise.all([
      page.waitForResponse((r) => r.url().includes(`/v1/ocr/${result.request_id}/export?format=txt`) && r.status() === 200, {
        timeout: 60_000,
      }),
      page.waitForEvent('download', { timeout: 60_000 }),
      page.getByRole('button', { name: 'Download Text' }).click(),
    ])
    assert.ok(exported.ok())
    assert.equal(download.suggestedFilename(), `ocr-${result.request_id}.txt`)
    assert.match(download.url(), /^blob:/, 'saved from the fetched file, not a plain link')
    const text = readFileSync(await download.path(), 'utf8')
    const pages = text.split('\f').filter((p) => p.trim())
    assert.equal(pages.length, 2, 'a form feed between the two pages')
    assert.deepEqual(pages.map(words), result.pages.map((p) => words(p.text)))
    await waitForStatus('Text downloaded.')
  })

  it('logged no errors', () => {
    // A just-made result's page image is asked for again while the store writes it (404s, then 200).
    const unexpected = errors.filter((e) => !/status of 404/.test(e))
    assert.deepEqual(unexpected, [])
  })
})
