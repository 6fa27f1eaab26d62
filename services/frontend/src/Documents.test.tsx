import { render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { App } from './App'
import { ApiError, createApi } from './api/client'
import { RID, documentResult, fakeApi, storedResult } from './test/fixtures'

const pdf = () => new File(['%PDF-1.7\n%two pages'], 'scan.pdf', { type: 'application/pdf' })

afterEach(() => {
  history.replaceState(null, '', '/')
  vi.restoreAllMocks()
})

async function upload(file: File) {
  await userEvent.setup().upload(screen.getByLabelText('Image or PDF file') as HTMLInputElement, file)
}

describe('documents', () => {
  it('sends a PDF as it is and shows it page by page from the gateway’s page images', async () => {
    const ocr = vi.fn(async () => documentResult())
    const image = vi.fn(async () => new Blob(['%PDF-1.7']))
    const pageImage = vi.fn(async (_id: string, page: number) => new Blob([`page-${page}`], { type: 'image/png' }))
    const user = userEvent.setup()
    render(<App api={fakeApi({ ocr, image, pageImage })} retryMs={1} />)
    const file = pdf()
    await upload(file)
    await screen.findByText('Done: 3 lines read.')
    expect(ocr).toHaveBeenCalledWith(file, 'scan.pdf', expect.anything())
    expect(screen.getByRole('navigation', { name: 'Pages' })).toHaveTextContent('Page 1 of 2')
    expect(await screen.findByRole('img', { name: 'Page 1 of the upload' })).toHaveAttribute('src', expect.stringMatching(/^blob:/))
    await user.click(screen.getByRole('button', { name: /Next page/ }))
    await screen.findByRole('img', { name: 'Page 2 of the upload' })
    expect(pageImage.mock.calls.map((c) => [c[0], c[1]])).toEqual([[RID, 1], [RID, 2]])
    expect(image).not.toHaveBeenCalled()
  })

  it('waits for a fresh upload’s page image while the result is not stored yet', async () => {
    const pageImage = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(404, 'not_found', 'no such image'))
      .mockResolvedValue(new Blob(['png'], { type: 'image/png' }))
    render(<App api={fakeApi({ ocr: async () => documentResult(), pageImage })} retryMs={1} />)
    await upload(pdf())
    expect(await screen.findByRole('img', { name: 'Page 1 of the upload' })).toBeInTheDocument()
    expect(pageImage).toHaveBeenCalledTimes(2)
  })

  it('reopens a stored document without fetching the whole upload', async () => {
    history.replaceState(null, '', `#/result/${RID}`)
    const image = vi.fn(async () => new Blob(['%PDF-1.7']))
    const pageImage = vi.fn(async () => new Blob(['png'], { type: 'image/png' }))
    render(<App api={fakeApi({ getResult: async () => storedResult(documentResult()), image, pageImage })} retryMs={1} />)
    await screen.findByText('Opened a result with 3 lines.')
    expect(await screen.findByRole('img', { name: 'Page 1 of the upload' })).toBeInTheDocument()
    expect(image).not.toHaveBeenCalled()
  })

  it('shows a one-page TIFF from its page image: an <img> cannot show a TIFF', async () => {
    history.replaceState(null, '', `#/result/${RID}`)
    const pageImage = vi.fn(async () => new Blob(['png'], { type: 'image/png' }))
    render(<App api={fakeApi({ image: async () => new Blob(['II*\0tiff'], { type: 'image/tiff' }), pageImage })} retryMs={1} />)
    await screen.findByText('Opened a result with 3 lines.')
    await waitFor(() => expect(pageImage).toHaveBeenCalledWith(RID, 1, expect.anything()))
    expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull()
  })
})

describe('downloads', () => {
  let saved: { href: string; download: string }[]
  beforeEach(() => {
    saved = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ href: this.href, download: this.download })
    })
  })

  it('fetches each export and saves it through a temporary <a download>', async () => {
    const blobs: Blob[] = []
    const created = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob)
      return `blob:test/export-${blobs.length}`
    })
    const exportResult = vi.fn(async (_id: string, format: string) => new Blob([`as ${format}`]))
    const user = userEvent.setup()
    render(<App api={fakeApi({ ocr: async () => documentResult(), exportResult })} />)
    await upload(pdf())
    await screen.findByText('Done: 3 lines read.')
    await user.click(screen.getByRole('button', { name: 'Download hOCR' }))
    await screen.findByText('hOCR downloaded.')
    await user.click(screen.getByRole('button', { name: 'Download Searchable PDF' }))
    await screen.findByText('Searchable PDF downloaded.')
    expect(exportResult.mock.calls.map((c) => [c[0], c[1]])).toEqual([[RID, 'hocr'], [RID, 'pdf']])
    const exports = saved.filter((s) => s.href.startsWith('blob:test/export-'))
    expect(exports.map((s) => s.download)).toEqual([`ocr-${RID}.hocr`, `ocr-${RID}.pdf`])
    expect(document.querySelector('a[download]')).toBeNull() // the link was temporary
    expect(blobs.at(-1)).toBe(await exportResult.mock.results[1].value) // the fetched file itself is saved
    expect(created).toHaveBeenCalled()
  })

  it('waits for a result that is not stored yet, and tells when an export fails', async () => {
    const exportResult = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(404, 'not_found', 'no such result'))
      .mockResolvedValueOnce(new Blob(['text']))
      .mockRejectedValue(new ApiError(502, 'upstream_unavailable', 'image-store down'))
    const user = userEvent.setup()
    render(<App api={fakeApi({ exportResult })} retryMs={1} />)
    await upload(new File([new Uint8Array([137, 80, 78, 71])], 'receipt.png', { type: 'image/png' }))
    await screen.findByText('Done: 3 lines read.')
    await user.click(screen.getByRole('button', { name: 'Download Text' }))
    await screen.findByText('Text downloaded.')
    expect(saved.at(-1)?.download).toBe(`ocr-${RID}.txt`)
    await user.click(screen.getByRole('button', { name: 'Download ALTO XML' }))
    expect(await screen.findByTestId('error')).toHaveTextContent(/unavailable right now/)
  })

  it('sends the signed-in credential with the download (a plain link could not)', async () => {
    sessionStorage.setItem('ocrmesh.credential', 'ocm_secret')
    history.replaceState(null, '', `#/result/${RID}`)
    const seen: string[] = []
    const fetchImpl = async (req: Request) => {
      seen.push(`${new URL(req.url).pathname}${new URL(req.url).search} ${req.headers.get('authorization')}`)
      const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
      if (req.url.includes('/export')) return new Response('page one\fpage two\f', { headers: { 'content-type': 'text/plain' } })
      if (req.url.includes('/pages/')) return new Response(new Uint8Array([137, 80, 78, 71]), { headers: { 'content-type': 'image/png' } })
      if (/\/v1\/ocr\/[0-9a-f-]{36}$/.test(new URL(req.url).pathname)) return json(storedResult(documentResult()))
      return json({ items: [], next_cursor: null })
    }
    const user = userEvent.setup()
    try {
      render(<App api={createApi('http://gw', fetchImpl, () => sessionStorage.getItem('ocrmesh.credential'))} />)
      await screen.findByText('Opened a result with 3 lines.')
      await user.click(screen.getByRole('button', { name: 'Download Text' }))
      await screen.findByText('Text downloaded.')
    } finally {
      sessionStorage.clear()
    }
    expect(seen).toContain(`/v1/ocr/${RID}/export?format=txt Bearer ocm_secret`)
    expect(seen).toContain(`/v1/ocr/${RID}/pages/1/image Bearer ocm_secret`)
    expect(seen.every((s) => s.endsWith('Bearer ocm_secret'))).toBe(true)
  })
})
