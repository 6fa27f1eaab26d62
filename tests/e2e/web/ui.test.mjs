// The front end against the real mesh: upload a real page, see its boxes and text, link them,
// correct a line, reload, reopen the result and find the correction again (from PostgreSQL); search
// for the page by a word it holds, by a misread one and by the correction; move a box, delete a line
// and add one, save, reload and find them stored (through the API) and shown (and the added line by search).
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'

import { BASE_URL, OCR_TIMEOUT, launch, required, screenshot, watchErrors } from './lib.mjs'

const PAGE_IMAGE = required('PAGE_IMAGE') // a real receipt page
const LINE_IMAGE = required('LINE_IMAGE') // a small real line, for paste
const LARGE_IMAGE = required('LARGE_IMAGE') // an upscaled line, longer side over the resize limit
const MAX_SIDE = 2000
const CORRECTION = 'E2E corrected line 1'
const ADDED = 'E2E added box'

/** An SVG polygon's points attribute as [[x, y], ...]. */
const parsePoints = (attr) => attr.trim().split(/\s+/).map((p) => p.split(',').map(Number))
const near = (a, b, tolerance) => a.length === b.length && a.every((p, i) => Math.abs(p[0] - b[i][0]) <= tolerance && Math.abs(p[1] - b[i][1]) <= tolerance)

describe('ocrmesh front end', () => {
  let context, page, errors, result

  before(async () => {
    context = await launch()
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL })
    page = await context.newPage()
    errors = watchErrors(page)
  })

  after(async () => {
    await context?.close()
  })

  async function waitForStatus(text, timeout = OCR_TIMEOUT) {
    await page.getByRole('status').filter({ hasText: text }).waitFor({ timeout })
  }

  async function ocrAnswer(action) {
    const answer = page.waitForResponse((r) => r.url() === `${BASE_URL}/v1/ocr` && r.request().method() === 'POST', {
      timeout: OCR_TIMEOUT,
    })
    await action()
    const response = await answer
    assert.equal(response.status(), 200, await response.text())
    return response.json()
  }

  it('opens on the upload screen', async () => {
    await page.goto(`${BASE_URL}/`)
    await page.getByRole('heading', { name: 'Read the text of a photo or scan' }).waitFor()
    await page.getByRole('button', { name: 'Choose a file…' }).waitFor()
    await page.getByRole('button', { name: 'Take a photo' }).waitFor()
    await screenshot(page, '01-start')
  })

  it('reads an uploaded page and draws a box per line', async () => {
    result = await ocrAnswer(() => page.locator('#file-input').setInputFiles(PAGE_IMAGE))
    await waitForStatus(/Done: \d+ lines? read\./)
    assert.ok(result.lines.length > 0, 'the page has lines')
    assert.deepEqual([result.width, result.height], [884, 1833], 'a page within the limit keeps its size')
    assert.equal(await page.locator('svg.boxes polygon').count(), result.lines.length)
    assert.equal(await page.locator('li.line').count(), result.lines.length)
    const first = result.lines.find((l) => l.text.trim()) ?? result.lines[0]
    await page.locator('li.line').filter({ hasText: first.text }).first().waitFor()
    assert.match(page.url(), new RegExp(`#/result/${result.request_id}$`))
    await page.locator('.overlay img').evaluate((img) => img.decode())
    await screenshot(page, '02-result', { fullPage: true })
  })

  it('scales the boxes to the displayed image', async () => {
    const geometry = await page.evaluate(() => {
      const img = document.querySelector('.overlay img')
      const r = img.getBoundingClientRect()
      return {
        img: { x: r.x, y: r.y, width: r.width, height: r.height, natural: [img.naturalWidth, img.naturalHeight] },
        boxes: [...document.querySelectorAll('svg.boxes polygon')].map((p) => {
          const b = p.getBoundingClientRect()
          return { x: b.x, y: b.y, width: b.width, height: b.height }
        }),
      }
    })
    assert.deepEqual(geometry.img.natural, [result.width, result.height])
    const scale = geometry.img.width / result.width
    assert.ok(scale < 1, 'the page is shown smaller than its pixels, so scaling matters')
    geometry.boxes.forEach((box, i) => {
      const xs = result.lines[i].points.map((p) => p[0])
      const ys = result.lines[i].points.map((p) => p[1])
      const expected = { x: geometry.img.x + Math.min(...xs) * scale, y: geometry.img.y + Math.min(...ys) * scale }
      assert.ok(Math.abs(box.x - expected.x) < 3 && Math.abs(box.y - expected.y) < 3, `box ${i} at ${JSON.stringify(box)}, expected ${JSON.stringify(expected)}`)
      assert.ok(Math.abs(box.width - (Math.max(...xs) - Math.min(...xs)) * scale) < 4, `box ${i} width`)
    })
  })

  it('links a box and its line both ways, by mouse and keyboard', async () => {
    const i = Math.min(2, result.lines.length - 1)
    const polygon = page.locator(`svg.boxes polygon[data-index="${i}"]`)
    const row = page.locator(`li.line[data-index="${i}"]`)
    await polygon.hover({ force: true })
    assert.match(await row.getAttribute('class'), /\bactive\b/)
    await page.mouse.move(1, 1)
    await row.locator('.line-main').hover()
    assert.match(await polygon.getAttribute('class'), /\bactive\b/)
    await screenshot(page, '02b-line-highlighted')
    await page.mouse.move(1, 1)
    await page.locator('li.line[data-index="0"] .line-main').focus()
    assert.match(await page.locator('svg.boxes polygon[data-index="0"]').getAttribute('class'), /\bactive\b/)
    await page.keyboard.press('Tab') // to the line's Edit button
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Edit line 1')
  })

  it('marks low-confidence lines', async () => {
    const low = result.lines.filter((l) => l.confidence < 0.6).length
    assert.equal(await page.locator('li.line.low').count(), low)
    assert.equal(await page.locator('svg.boxes polygon.low').count(), low)
    assert.equal(await page.locator('li.line .badge-low').count(), low)
  })

  it('copies the text and downloads the JSON', async () => {
    await page.getByRole('button', { name: 'Copy text' }).click()
    await waitForStatus('Text copied to the clipboard.')
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), result.text)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download JSON' }).click(),
    ])
    assert.equal(download.suggestedFilename(), `ocr-${result.request_id}.json`)
    const saved = JSON.parse(readFileSync(await download.path(), 'utf8'))
    assert.equal(saved.request_id, result.request_id)
    assert.equal(saved.lines.length, result.lines.length)
  })

  it('corrects a line', async () => {
    await page.getByRole('button', { name: 'Edit line 1', exact: true }).click()
    const input = page.getByRole('textbox', { name: 'Text of line 1', exact: true })
    await input.fill(CORRECTION)
    await input.press('Enter')
    await waitForStatus('Correction of line 1 saved.')
    const row = page.locator('li.line[data-index="0"]')
    await row.filter({ hasText: CORRECTION }).waitFor()
    await row.locator('.badge-corrected').waitFor()
  })

  it('brings the correction back from the store after a reload', async () => {
    // Stored asynchronously (queue -> image-store -> PostgreSQL): wait until the API has it.
    const deadline = Date.now() + 60_000
    for (;;) {
      const r = await page.request.get(`${BASE_URL}/v1/ocr/${result.request_id}`)
      if (r.ok() && (await r.json()).corrections.length > 0) break
      assert.ok(Date.now() < deadline, 'the correction was not stored within 60 s')
      await page.waitForTimeout(500)
    }
    await page.goto(`${BASE_URL}/`)
    await page.reload()
    assert.equal(await page.locator('section.result').count(), 0, 'a fresh page shows no result')
    const item = page.locator(`.recent-item[data-request-id="${result.request_id}"]`)
    await item.waitFor()
    await item.click()
    await waitForStatus(/Opened a result with \d+ lines?\./)
    const row = page.locator('li.line[data-index="0"]')
    await row.filter({ hasText: CORRECTION }).waitFor()
    await row.locator('.badge-corrected').waitFor()
    assert.match(await page.locator('svg.boxes polygon[data-index="0"]').getAttribute('class'), /\bcorrected\b/)
    const img = page.locator('.overlay img')
    // The stored image, fetched through the API (with credentials, when there are any) and shown from an object URL.
    assert.match(await img.getAttribute('src'), /^blob:/)
    await img.evaluate((el) => el.decode())
    assert.equal(await img.evaluate((el) => el.naturalWidth), result.width)
    await screenshot(page, '03-reopened', { fullPage: true })
  })

  it('finds the page by a word it holds and opens it with the matching lines marked', async () => {
    // A word the OCR read on a line the person did not correct (line 1 was).
    const stop = new Set(['about', 'which', 'their', 'there', 'these', 'those', 'where', 'while'])
    const candidates = result.lines
      .slice(1)
      .flatMap((l) => l.text.match(/[A-Za-z]{5,}/g) ?? [])
      .filter((w) => !stop.has(w.toLowerCase()))
    assert.ok(candidates.length > 0, `no word of 5+ letters was read: ${JSON.stringify(result.lines.map((l) => l.text))}`)
    const word = candidates.sort((a, b) => b.length - a.length)[0]
    const holding = result.lines.flatMap((l, i) => (i > 0 && new RegExp(`\\b${word}\\b`, 'i').test(l.text) ? [i] : []))
    const box = page.getByRole('searchbox', { name: 'Search the text of stored results' })
    await box.fill(word)
    await box.press('Enter')
    await page.locator('.search-count').filter({ hasText: `for ${word}` }).waitFor()
    const hit = page.locator(`.hit[data-request-id="${result.request_id}"]`)
    await hit.waitFor()
    const marked = await hit.locator('mark').allTextContents()
    assert.ok(marked.some((m) => m.toLowerCase() === word.toLowerCase()), `the snippet marks ${word}: ${marked}`)
    await screenshot(page, '09-search')
    await hit.click()
    await waitForStatus(/match(es)? the search\./)
    const matched = await page.locator('svg.boxes polygon.match').evaluateAll((ps) => ps.map((p) => Number(p.dataset.index)))
    assert.ok(holding.every((i) => matched.includes(i)), `lines ${holding} hold ${word}; marked: ${matched}`)
    assert.equal(await page.locator('li.line.match').count(), matched.length)
    await screenshot(page, '10-search-opened')
    // One character wrong still finds it.
    const i = Math.floor(word.length / 2)
    const misread = word.slice(0, i) + (word[i].toLowerCase() === 'q' ? 'x' : 'q') + word.slice(i + 1)
    await box.fill(misread)
    await box.press('Enter')
    await page.locator('.search-count').filter({ hasText: `for ${misread}` }).waitFor()
    await page.locator(`.hit[data-request-id="${result.request_id}"]`).waitFor()
  })

  it('finds the correction by its text', async () => {
    const box = page.getByRole('searchbox', { name: 'Search the text of stored results' })
    await box.fill('"E2E corrected"')
    await box.press('Enter')
    await page.locator('.search-count').filter({ hasText: 'for "E2E corrected"' }).waitFor()
    await page.locator(`.hit[data-request-id="${result.request_id}"]`).click()
    // The corrected line, and only it, is marked (the same result was open with other lines marked).
    await page.waitForFunction(() => [...document.querySelectorAll('li.line.match')].map((l) => l.dataset.index).join() === '0')
    assert.match(await page.locator('svg.boxes polygon[data-index="0"]').getAttribute('class'), /\bmatch\b/)
    await page.getByRole('button', { name: 'Clear' }).click()
    assert.equal(await page.locator('.hit').count(), 0)
  })

  it('moves a box, deletes a line and adds one, and keeps them after a reload', async () => {
    const n = result.lines.length
    assert.ok(n >= 3, `the page has at least 3 lines: ${n}`)
    const moved = 1
    const deleted = n - 1
    const added = n // the first index past the detected lines
    const polygon = (i) => page.locator(`svg.boxes polygon[data-index="${i}"]`)
    const original = parsePoints(await polygon(moved).getAttribute('points'))

    // Move: select the line, drag its box 40 px right and 24 px down (CSS px; image px = CSS px / scale).
    await page.locator(`li.line[data-index="${moved}"] .line-main`).click()
    const frame = page.getByRole('button', { name: `Box of line ${moved + 1}: drag it or its corners`, exact: false })
    await frame.scrollIntoViewIfNeeded()
    const f = await frame.boundingBox()
    const svgBox = await page.locator('svg.boxes').boundingBox()
    const scale = svgBox.width / result.width
    await page.mouse.move(f.x + f.width / 2, f.y + f.height / 2)
    await page.mouse.down()
    await page.mouse.move(f.x + f.width / 2 + 40, f.y + f.height / 2 + 24, { steps: 6 })
    await page.mouse.up()
    const movedPoints = parsePoints(await polygon(moved).getAttribute('points'))
    const expectedMove = original.map(([x, y]) => [x + 40 / scale, y + 24 / scale])
    assert.ok(near(movedPoints, expectedMove, 2), `moved to ${JSON.stringify(movedPoints)}, expected about ${JSON.stringify(expectedMove)}`)
    assert.match(await polygon(moved).getAttribute('class'), /\bdraft-moved\b/)

    // Delete: "Not text" on the last line, from the keyboard.
    await page.getByRole('button', { name: `Not text: delete line ${deleted + 1}`, exact: true }).focus()
    await page.keyboard.press('Enter')
    await page.locator(`li.line.draft-deleted[data-index="${deleted}"]`).waitFor()
    await page.getByRole('button', { name: `Restore line ${deleted + 1}`, exact: true }).waitFor()

    // Add: draw a box over the middle of the image, then type its text.
    await page.getByRole('button', { name: 'Add line', exact: true }).click()
    const svgNow = await page.locator('svg.boxes').boundingBox()
    const from = [svgNow.x + svgNow.width * 0.1, svgNow.y + svgNow.height * 0.5]
    const to = [svgNow.x + svgNow.width * 0.5, svgNow.y + svgNow.height * 0.53]
    await page.mouse.move(...from)
    await page.mouse.down()
    await page.mouse.move(...to, { steps: 6 })
    await page.mouse.up()
    const input = page.getByRole('textbox', { name: 'Text of the new line' })
    await input.fill(ADDED)
    await input.press('Enter')
    await page.locator(`li.line[data-index="${added}"]`).filter({ hasText: ADDED }).waitFor()
    const addedPoints = parsePoints(await polygon(added).getAttribute('points'))
    const [x0, y0, x1, y1] = [result.width * 0.1, result.height * 0.5, result.width * 0.5, result.height * 0.53]
    const expectedAdd = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    assert.ok(near(addedPoints, expectedAdd, 3), `added at ${JSON.stringify(addedPoints)}, expected about ${JSON.stringify(expectedAdd)}`)
    await screenshot(page, '11-boxes-edited')

    await page.getByRole('button', { name: 'Save changes (3)', exact: true }).click()
    await waitForStatus('Changes to 3 lines saved.')
    assert.equal(await page.locator('svg.boxes polygon.draft').count(), 0, 'saved: no change is left as a draft')
    assert.equal(await polygon(deleted).count(), 0, 'the deleted line is gone')

    // Stored: the API has the one correction with the three lines.
    const deadline = Date.now() + 60_000
    let stored
    for (;;) {
      const r = await page.request.get(`${BASE_URL}/v1/ocr/${result.request_id}`)
      stored = r.ok() ? await r.json() : null
      if (stored?.corrections.some((c) => c.line_index === added)) break
      assert.ok(Date.now() < deadline, 'the box changes were not stored within 60 s')
      await page.waitForTimeout(500)
    }
    const byIndex = (i) => stored.corrections.filter((c) => c.line_index === i)
    const [m] = byIndex(moved)
    assert.deepEqual(m.points, movedPoints, 'the moved box is stored where it was moved')
    assert.equal(m.text, result.lines[moved].text, 'a moved line keeps its text')
    assert.equal(m.deleted, false)
    const [d] = byIndex(deleted)
    assert.equal(d.deleted, true)
    assert.equal(d.text, '')
    const [a] = byIndex(added)
    assert.deepEqual([a.text, a.points, a.deleted], [ADDED, addedPoints, false])
    assert.ok(m.created_at && m.created_at === d.created_at && d.created_at === a.created_at, 'one correction, one time')

    // After a reload, from the store: moved where moved, the deleted line gone, the added one present.
    await page.reload()
    await waitForStatus(/Opened a result with \d+ lines?\./)
    await page.locator(`li.line[data-index="${added}"]`).filter({ hasText: ADDED }).waitFor()
    assert.deepEqual(parsePoints(await polygon(moved).getAttribute('points')), movedPoints)
    assert.deepEqual(parsePoints(await polygon(added).getAttribute('points')), addedPoints)
    assert.equal(await polygon(deleted).count(), 0)
    assert.equal(await page.locator(`li.line[data-index="${deleted}"]`).count(), 0)
    assert.equal(await page.locator('svg.boxes polygon').count(), n) // n - 1 detected + 1 added
    await page.locator(`li.line[data-index="${moved}"] .badge-corrected`).filter({ hasText: 'box corrected' }).waitFor()
    await page.locator(`li.line[data-index="${added}"] .badge-corrected`).filter({ hasText: 'added' }).waitFor()
    assert.match(await page.locator('.result .meta').textContent(), /latest correction/)
    const lines = [CORRECTION, ...result.lines.slice(1, deleted).map((l) => l.text), ADDED]
    assert.equal(await page.locator('.fulltext pre').textContent(), lines.map((t) => `${t}\n`).join(''), 'the full text has the added line, not the deleted one')
    await screenshot(page, '12-boxes-reopened', { fullPage: true })

    // Search finds the added line and marks its box.
    const box = page.getByRole('searchbox', { name: 'Search the text of stored results' })
    const hit = page.locator(`.hit[data-request-id="${result.request_id}"]`)
    for (let attempt = 0; ; attempt++) {
      await box.fill('"E2E added"')
      await box.press('Enter')
      await page.locator('.search-count').filter({ hasText: 'for "E2E added"' }).waitFor()
      if ((await hit.count()) > 0) break
      assert.ok(attempt < 20, 'the added line was not found by search')
      await page.waitForTimeout(500)
    }
    await hit.click()
    await page.waitForFunction((i) => [...document.querySelectorAll('li.line.match')].map((l) => l.dataset.index).join() === String(i), added)
    assert.match(await polygon(added).getAttribute('class'), /\bmatch\b/)
    await page.getByRole('button', { name: 'Clear' }).click()
  })

  it('opens a result from its link', async () => {
    await page.goto('about:blank')
    await page.goto(`${BASE_URL}/#/result/${result.request_id}`)
    await waitForStatus(/Opened a result/)
    await page.locator('li.line[data-index="0"]').filter({ hasText: CORRECTION }).waitFor()
  })

  it('fits a phone screen', async () => {
    const phone = await context.newPage()
    await phone.setViewportSize({ width: 390, height: 844 })
    await phone.goto(`${BASE_URL}/#/result/${result.request_id}`)
    await phone.getByRole('status').filter({ hasText: /Opened a result/ }).waitFor()
    await phone.locator('.overlay img').evaluate((el) => el.decode())
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px on a phone`)
    const imgWidth = await phone.locator('.overlay img').evaluate((el) => el.getBoundingClientRect().width)
    assert.ok(imgWidth <= 390, 'the image fits the screen')
    await screenshot(phone, '04-phone')
    await screenshot(phone, '04-phone-full', { fullPage: true })
    await phone.close()
  })

  it('reads a pasted image', async () => {
    await page.goto(`${BASE_URL}/`)
    const bytes = readFileSync(LINE_IMAGE).toString('base64')
    const answer = await ocrAnswer(() =>
      page.evaluate((b64) => {
        const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
        const transfer = new DataTransfer()
        transfer.items.add(new File([data], 'pasted.png', { type: 'image/png' }))
        window.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true }))
      }, bytes),
    )
    await waitForStatus(/Done: \d+ lines? read\./)
    assert.equal(await page.locator('svg.boxes polygon').count(), answer.lines.length)
  })

  it('scales a large dropped image down to 2000 px before sending it', async () => {
    const bytes = readFileSync(LARGE_IMAGE).toString('base64')
    const transfer = await page.evaluateHandle((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const t = new DataTransfer()
      t.items.add(new File([data], 'large.png', { type: 'image/png' }))
      return t
    }, bytes)
    const answer = await ocrAnswer(() => page.locator('[data-testid="dropzone"]').dispatchEvent('drop', { dataTransfer: transfer }))
    assert.equal(Math.max(answer.width, answer.height), MAX_SIDE)
    await waitForStatus(/Done: \d+ lines? read\./)
    // What was sent is what the store keeps: a JPEG.
    const deadline = Date.now() + 30_000
    let stored
    while (!(stored = await page.request.get(`${BASE_URL}/v1/ocr/${answer.request_id}/image`)).ok()) {
      assert.ok(Date.now() < deadline, 'the image was not stored within 30 s')
      await page.waitForTimeout(300)
    }
    assert.equal(stored.headers()['content-type'], 'image/jpeg')
  })

  it('logged no errors in the page', () => {
    assert.deepEqual(errors, [])
  })
})
