import { act, fireEvent, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import type { LineCorrectionIn } from '../api/client'
import { ApiError } from '../api/client'
import { documentResult, ocrResult } from '../test/fixtures'
import { ResultView, type OpenResult } from './ResultView'

function setup(result: Partial<OpenResult> = {}, props: { matches?: number[]; pageImage?: (page: number, signal: AbortSignal) => Promise<Blob> } = {}) {
  const pageImage = vi.fn(props.pageImage ?? (async (page: number) => new Blob([`page-${page}`], { type: 'image/png' })))
  const onCorrectBoxes = vi.fn(async (_lines: LineCorrectionIn[]) => undefined)
  const onCorrectText = vi.fn(async () => undefined)
  const onExport = vi.fn()
  const full: OpenResult = { ...documentResult(), created_at: null, corrections: [], ...result }
  const utils = render(
    <ResultView
      result={full}
      imageSrc={null}
      pageImage={pageImage}
      matches={props.matches}
      onCorrectLine={async () => undefined}
      onCorrectText={onCorrectText}
      onCorrectBoxes={onCorrectBoxes}
      onCopy={() => undefined}
      onDownload={() => undefined}
      onExport={onExport}
    />,
  )
  const rows = () => Array.from(utils.container.querySelectorAll('li.line')).map((li) => li.getAttribute('data-index'))
  const svg = () => utils.container.querySelector('svg.boxes')!
  return { ...utils, pageImage, onCorrectBoxes, onCorrectText, onExport, rows, svg, user: userEvent.setup() }
}

describe('a document, page by page', () => {
  it('shows page 1 of 2 with its own image, boxes, lines and text', async () => {
    const { container, pageImage, rows, svg } = setup()
    const pages = screen.getByRole('navigation', { name: 'Pages' })
    expect(pages).toHaveTextContent('Page 1 of 2')
    expect(within(pages).getByRole('button', { name: /Previous page/ })).toBeDisabled()
    expect(await screen.findByRole('img', { name: 'Page 1 of the upload' })).toHaveAttribute('src', expect.stringMatching(/^blob:/))
    expect(pageImage).toHaveBeenCalledWith(1, expect.any(AbortSignal))
    expect(svg().getAttribute('viewBox')).toBe('0 0 600 800')
    expect(rows()).toEqual(['0', '1'])
    expect(container.querySelectorAll('polygon')).toHaveLength(2)
    expect(screen.getByRole('heading', { name: /Text of page 1/ })).toBeInTheDocument()
    expect(container.querySelector('pre.text')).toHaveTextContent('INVOICE 42 Dear reader')
    expect(screen.getByText(/2 pages · 3 lines/)).toBeInTheDocument()
  })

  it('goes to the next and previous page, each page with its image fetched once', async () => {
    const { container, pageImage, rows, svg, user } = setup()
    await screen.findByRole('img', { name: 'Page 1 of the upload' })
    await user.click(screen.getByRole('button', { name: /Next page/ }))
    expect(screen.getByRole('navigation', { name: 'Pages' })).toHaveTextContent('Page 2 of 2')
    expect(screen.getByRole('button', { name: /Next page/ })).toBeDisabled()
    expect(await screen.findByRole('img', { name: 'Page 2 of the upload' })).toBeInTheDocument()
    expect(svg().getAttribute('viewBox')).toBe('0 0 800 600') // page 2's own size
    expect(rows()).toEqual(['2'])
    expect(container.querySelector('pre.text')).toHaveTextContent('Page two')
    await user.click(screen.getByRole('button', { name: /Previous page/ }))
    await screen.findByRole('img', { name: 'Page 1 of the upload' })
    expect(rows()).toEqual(['0', '1'])
    expect(pageImage.mock.calls.map((c) => c[0])).toEqual([1, 2])
  })

  it('says so while a page image loads and when it cannot be loaded', async () => {
    let fail: (err: unknown) => void = () => undefined
    setup({}, { pageImage: () => new Promise<Blob>((_resolve, reject) => (fail = reject)) })
    expect(screen.getByText('Loading the image of page 1…')).toBeInTheDocument()
    await act(async () => fail(new ApiError(404, 'not_found', 'no page')))
    expect(screen.getByText(/The image of page 1 could not be loaded\. This result was not found/)).toBeInTheDocument()
  })

  it('opens on the page of the first line that matched the search', async () => {
    const { rows } = setup({}, { matches: [2] })
    expect(screen.getByRole('navigation', { name: 'Pages' })).toHaveTextContent('Page 2 of 2')
    expect(rows()).toEqual(['2'])
  })

  it('goes to the page of another search hit in the same result', () => {
    const { rerender, rows } = setup({}, { matches: [0] })
    expect(rows()).toEqual(['0', '1'])
    rerender(
      <ResultView
        result={{ ...documentResult(), created_at: null, corrections: [] }}
        imageSrc={null}
        pageImage={async () => new Blob(['png'])}
        matches={[2]}
        onCorrectLine={async () => undefined}
        onCorrectText={async () => undefined}
        onCorrectBoxes={async () => undefined}
        onCopy={() => undefined}
        onDownload={() => undefined}
      />,
    )
    expect(screen.getByRole('navigation', { name: 'Pages' })).toHaveTextContent('Page 2 of 2')
    expect(rows()).toEqual(['2'])
  })

  it('corrects a page’s text line by line (the whole-text correction is the whole document’s)', async () => {
    const { onCorrectBoxes, onCorrectText, user } = setup()
    await user.click(screen.getByRole('button', { name: 'Edit page text' }))
    const area = screen.getByRole('textbox', { name: 'Text of page 1' })
    await user.clear(area)
    await user.type(area, 'INVOICE 42{Enter}Dear readers')
    await user.click(screen.getByRole('button', { name: 'Save correction' }))
    expect(onCorrectBoxes).toHaveBeenCalledWith([{ index: 1, text: 'Dear readers', deleted: false }])
    expect(onCorrectText).not.toHaveBeenCalled()
    // Another number of lines cannot be matched to the boxes: said, not sent.
    await user.click(screen.getByRole('button', { name: 'Edit page text' }))
    await user.type(screen.getByRole('textbox', { name: 'Text of page 1' }), '{Enter}one more')
    await user.click(screen.getByRole('button', { name: 'Save correction' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('this page has 2 lines')
    expect(onCorrectBoxes).toHaveBeenCalledTimes(1)
  })

  it('adds new lines only on the page where they will be stored (after the last line)', async () => {
    const { user } = setup()
    const add = screen.getByRole('button', { name: 'Add line' })
    expect(add).toBeDisabled()
    expect(screen.getByText(/new lines are added on page 2/)).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: /Next page/ }))
    expect(screen.getByRole('button', { name: 'Add line' })).toBeEnabled()
  })

  it('shows each page’s part of a whole-text correction', async () => {
    const { container, user } = setup({ corrections: [{ text: 'FIRST\nSECOND\fTHIRD', line_index: null, deleted: false }] })
    expect(container.querySelector('pre.text')).toHaveTextContent('FIRST SECOND')
    await user.click(screen.getByRole('button', { name: /Next page/ }))
    expect(container.querySelector('pre.text')).toHaveTextContent('THIRD')
  })

  it('shows no switcher for one page, and a one-page PDF from its page image', async () => {
    const one = documentResult()
    one.pages = one.pages!.slice(0, 1)
    one.lines = one.lines.slice(0, 2)
    const { pageImage } = setup(one)
    expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull()
    expect(await screen.findByRole('img', { name: 'The uploaded image' })).toHaveAttribute('src', expect.stringMatching(/^blob:/))
    expect(pageImage).toHaveBeenCalledWith(1, expect.any(AbortSignal))
  })

  it('leaves an image result as it was: its own image, no switcher', () => {
    const { container } = render(
      <ResultView
        result={{ ...ocrResult(), corrections: [] }}
        imageSrc="blob:img"
        onCorrectLine={async () => undefined}
        onCorrectText={async () => undefined}
        onCorrectBoxes={async () => undefined}
        onCopy={() => undefined}
        onDownload={() => undefined}
      />,
    )
    expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull()
    expect(container.querySelector('img')).toHaveAttribute('src', 'blob:img')
    expect(screen.getByRole('heading', { name: /^Full text/ })).toBeInTheDocument()
  })
})

describe('download buttons', () => {
  it('ask for each export format', async () => {
    const { onExport, user } = setup()
    const group = screen.getByRole('group', { name: 'Downloads' })
    for (const [name, format] of [['Download Text', 'txt'], ['Download hOCR', 'hocr'], ['Download ALTO XML', 'alto'], ['Download Searchable PDF', 'pdf']]) {
      await user.click(within(group).getByRole('button', { name }))
      expect(onExport).toHaveBeenLastCalledWith(format)
    }
    expect(within(group).getByRole('button', { name: 'Download JSON' })).toBeInTheDocument()
    fireEvent.click(within(group).getByRole('button', { name: 'Download Searchable PDF' }))
    expect(onExport).toHaveBeenCalledTimes(5)
  })
})
