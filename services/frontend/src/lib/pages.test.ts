import { describe, expect, it } from 'vitest'

import { documentResult, ocrResult } from '../test/fixtures'
import { buildView } from './corrections'
import { addedLinesPage, documentKind, isDocument, pageOfLine, resultPages } from './pages'

describe('pages of a result', () => {
  it('gives each page its size and its run of line indexes', () => {
    const pages = resultPages(documentResult())
    expect(pages.map((p) => [p.number, p.width, p.height, p.first, p.count])).toEqual([
      [1, 600, 800, 0, 2],
      [2, 800, 600, 2, 1],
    ])
    expect([0, 1, 2].map((i) => pageOfLine(pages, i))).toEqual([1, 1, 2])
  })

  it('puts added lines on the page of the last detected line, as the exports do', () => {
    const pages = resultPages(documentResult())
    expect(pageOfLine(pages, 7)).toBe(2)
    const lastPageEmpty = documentResult()
    lastPageEmpty.pages![1].lines = []
    lastPageEmpty.lines = lastPageEmpty.lines.slice(0, 2)
    expect(addedLinesPage(resultPages(lastPageEmpty))).toBe(1)
  })

  it('makes an image one page of its own size', () => {
    expect(resultPages(ocrResult())).toMatchObject([{ number: 1, width: 400, height: 200, first: 0, count: 3 }])
    expect(isDocument(ocrResult())).toBe(false)
    expect(isDocument(ocrResult({ pages: [{ page: 1, width: 400, height: 200, dpi: null, rotation: 0, text: '' }] }))).toBe(false)
    expect(isDocument(documentResult())).toBe(true)
    const onePagePdf = documentResult()
    onePagePdf.pages = onePagePdf.pages!.slice(0, 1)
    expect(isDocument(onePagePdf)).toBe(true)
  })

  it('keeps each line inside its own page (clamped to that page, not the first)', () => {
    const view = buildView({
      ...documentResult(),
      corrections: [{ text: 'Moved', line_index: 2, points: [[750, 550], [900, 550], [900, 590], [750, 590]], deleted: false }],
    })
    expect(view.lines.map((l) => l.page)).toEqual([1, 1, 2])
    expect(view.lines[2].points).toEqual([[750, 550], [800, 550], [800, 590], [750, 590]])
  })

  it('knows a PDF and a TIFF by their first bytes', async () => {
    expect(await documentKind(new Blob(['%PDF-1.4\n']))).toBe('pdf')
    expect(await documentKind(new Blob(['II*\0']))).toBe('tiff')
    expect(await documentKind(new Blob(['MM\0*']))).toBe('tiff')
    expect(await documentKind(new Blob([new Uint8Array([0xff, 0xd8, 0xff])]))).toBeNull()
  })
})
