import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { App, resultIdFromHash } from './App'
import { ApiError, NetworkError } from './api/client'
import { RID, fakeApi, ocrResult, storedResult } from './test/fixtures'

const png = () => new File([new Uint8Array([137, 80, 78, 71])], 'receipt.png', { type: 'image/png' })

afterEach(() => history.replaceState(null, '', '/'))

async function upload(user: ReturnType<typeof userEvent.setup>, file: File = png()) {
  const input = screen.getByLabelText('Image or PDF file') as HTMLInputElement
  await user.upload(input, file)
}

describe('uploading', () => {
  it('sends the chosen file and shows the boxes, lines and text', async () => {
    const ocr = vi.fn(async () => ocrResult())
    const user = userEvent.setup()
    const { container } = render(<App api={fakeApi({ ocr })} />)
    await upload(user)
    expect(await screen.findByText('Done: 3 lines read.')).toBeInTheDocument()
    expect(ocr).toHaveBeenCalledTimes(1)
    expect(container.querySelectorAll('polygon')).toHaveLength(3)
    expect(screen.getByRole('list', { name: 'Detected lines' })).toHaveTextContent('TOTAL 12.50')
    expect(location.hash).toBe(`#/result/${RID}`)
    // The new result is listed at once, before the store has written it.
    expect(within(screen.getByRole('navigation', { name: 'Recent results' })).getByText('TOTAL 12.50')).toBeInTheDocument()
  })

  it('shows a progress indicator while the OCR runs', async () => {
    let finish: (v: ReturnType<typeof ocrResult>) => void = () => undefined
    const ocr = vi.fn(() => new Promise<ReturnType<typeof ocrResult>>((resolve) => (finish = resolve)))
    const user = userEvent.setup()
    render(<App api={fakeApi({ ocr })} />)
    await upload(user)
    expect(await screen.findByRole('progressbar', { name: 'Reading the text…' })).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Choose a file…' })).toBeDisabled()
    await act(async () => finish(ocrResult()))
    expect(screen.queryByRole('progressbar')).toBeNull()
  })

  it('takes an image pasted anywhere on the page', async () => {
    const ocr = vi.fn(async () => ocrResult())
    render(<App api={fakeApi({ ocr })} />)
    const file = png()
    const event = new Event('paste', { bubbles: true, cancelable: true }) as ClipboardEvent
    Object.defineProperty(event, 'clipboardData', {
      value: { items: [{ kind: 'file', type: 'image/png', getAsFile: () => file }], files: [file] },
    })
    await act(async () => window.dispatchEvent(event))
    await screen.findByText('Done: 3 lines read.')
    expect(ocr).toHaveBeenCalledWith(expect.any(Blob), 'receipt.png', expect.anything())
  })

  it('leaves a text paste alone', async () => {
    const ocr = vi.fn(async () => ocrResult())
    render(<App api={fakeApi({ ocr })} />)
    const event = new Event('paste', { bubbles: true, cancelable: true }) as ClipboardEvent
    Object.defineProperty(event, 'clipboardData', { value: { items: [{ kind: 'string', type: 'text/plain' }], files: [] } })
    window.dispatchEvent(event)
    expect(event.defaultPrevented).toBe(false)
    expect(ocr).not.toHaveBeenCalled()
    expect(await screen.findByText('No results yet.')).toBeInTheDocument()
  })

  it('takes a dropped file', async () => {
    const ocr = vi.fn(async () => ocrResult())
    render(<App api={fakeApi({ ocr })} />)
    const file = png()
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [file], items: [] } })
    await screen.findByText('Done: 3 lines read.')
    expect(ocr).toHaveBeenCalledTimes(1)
  })
})

describe('error messages', () => {
  it.each([
    [new ApiError(413, 'file_too_large', 'the upload is larger than 2000000 bytes'), /too large to upload/],
    [new ApiError(413, 'image_too_large', 'too many pixels'), /too many pixels/],
    [new ApiError(415, 'unsupported_media_type', 'not an image'), /not an image ocrmesh can read/],
    [new ApiError(400, 'invalid_image', 'truncated'), /could not be decoded/],
    [new ApiError(400, 'empty_file', 'image is empty'), /file is empty/],
    [new ApiError(502, 'upstream_unavailable', 'detection is unreachable'), /unavailable right now/],
    [new ApiError(502, 'upstream_error', 'detection answered 500'), /failed while reading/],
    [new ApiError(504, 'upstream_timeout', 'detection timed out'), /took too long/],
    [new NetworkError(new TypeError('Failed to fetch')), /Could not reach the server/],
  ])('%s', async (error, expected) => {
    const user = userEvent.setup()
    render(<App api={fakeApi({ ocr: async () => Promise.reject(error) })} />)
    await upload(user)
    const alert = await screen.findByTestId('error')
    expect(alert).toHaveTextContent(expected)
    expect(screen.queryByRole('progressbar')).toBeNull()
    expect(screen.getByRole('button', { name: 'Choose a file…' })).toBeEnabled()
  })

  it('tells when the recent results cannot be loaded', async () => {
    render(<App api={fakeApi({ listResults: async () => Promise.reject(new ApiError(502, 'upstream_unavailable', '')) })} />)
    expect(await screen.findByText(/Could not load recent results/)).toBeInTheDocument()
  })
})

describe('reopening and correcting', () => {
  const stored = storedResult({
    corrections: [{ id: 'c0', text: 'TOTAL 13.50', line_index: 0, deleted: false, created_at: '2026-11-22T10:01:00Z' }],
  })

  it('reopens a recent result with its image and stored corrections', async () => {
    const getResult = vi.fn(async () => stored)
    const user = userEvent.setup()
    const { container } = render(
      <App
        api={fakeApi({
          listResults: async () => ({
            items: [{ request_id: RID, created_at: '2026-11-22T10:00:00Z', width: 400, height: 200, text: 'TOTAL 12.50\nTHANK YOU' }],
            next_cursor: null,
          }),
          getResult,
        })}
      />,
    )
    await user.click(await screen.findByRole('button', { name: /TOTAL 12.50/ }))
    await screen.findByText('Opened a result with 3 lines.')
    expect(getResult).toHaveBeenCalledWith(RID, expect.anything())
    expect(container.querySelector('img')?.getAttribute('src')).toMatch(/^blob:/)
    const line = container.querySelector('li.line[data-index="0"]') as HTMLElement
    expect(line).toHaveTextContent('TOTAL 13.50')
    expect(line).toHaveTextContent('corrected')
    expect(screen.getByRole('button', { name: /TOTAL 12.50/ })).toHaveAttribute('aria-current', 'true')
  })

  it('opens #/result/<id> on load and waits for a result that is not stored yet', async () => {
    history.replaceState(null, '', `#/result/${RID}`)
    const getResult = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(404, 'not_found', 'no such result'))
      .mockResolvedValue(stored)
    render(<App api={fakeApi({ getResult })} retryMs={1} />)
    await screen.findByText('Opened a result with 3 lines.')
    expect(getResult).toHaveBeenCalledTimes(2)
  })

  it('says so when a result does not exist', async () => {
    history.replaceState(null, '', `#/result/${RID}`)
    const getResult = vi.fn(async () => Promise.reject(new ApiError(404, 'not_found', 'no such result')))
    render(<App api={fakeApi({ getResult })} retryMs={1} />)
    expect(await screen.findByTestId('error')).toHaveTextContent(/not found/)
  })

  it('sends a line correction and shows it as corrected', async () => {
    const correct = vi.fn(async () => ({ request_id: RID, correction_id: 'c1', status: 'accepted' }))
    const user = userEvent.setup()
    const { container } = render(<App api={fakeApi({ correct })} />)
    await upload(user)
    await screen.findByText('Done: 3 lines read.')
    await user.click(screen.getByRole('button', { name: 'Edit line 3' }))
    const input = screen.getByRole('textbox', { name: 'Text of line 3' })
    await user.clear(input)
    await user.type(input, 'SMUDGED{Enter}')
    expect(await screen.findByText('Correction of line 3 saved.')).toBeInTheDocument()
    expect(correct).toHaveBeenCalledWith(RID, { lines: [{ index: 2, text: 'SMUDGED', deleted: false }] })
    const line = container.querySelector('li.line[data-index="2"]') as HTMLElement
    expect(line).toHaveTextContent('SMUDGED')
    expect(line).toHaveTextContent('corrected')
    expect(container.querySelector('polygon[data-index="2"]')).toHaveClass('corrected')
  })

  it('saves moved, deleted and added boxes as one correction and shows the corrected state', async () => {
    const correct = vi.fn(async () => ({ request_id: RID, correction_id: 'c2', status: 'accepted' }))
    const user = userEvent.setup()
    const { container } = render(<App api={fakeApi({ correct })} />)
    await upload(user)
    await screen.findByText('Done: 3 lines read.')
    const svg = container.querySelector('svg.boxes') as SVGSVGElement
    svg.getBoundingClientRect = () => ({ left: 0, top: 0, x: 0, y: 0, width: 400, height: 200, right: 400, bottom: 200, toJSON: () => ({}) })
    // Move line 1 down by 5 px with the keyboard (2 px a step here, so 3 steps = 6 px).
    fireEvent.click(container.querySelector('polygon[data-index="0"]')!)
    const frame = screen.getByRole('button', { name: /^Box of line 1/ })
    for (let i = 0; i < 3; i++) fireEvent.keyDown(frame, { key: 'ArrowDown' })
    await user.click(screen.getByRole('button', { name: 'Not text: delete line 2' }))
    await user.click(screen.getByRole('button', { name: 'Add line' }))
    fireEvent.pointerDown(container.querySelector('.draw-area')!, { clientX: 200, clientY: 160, pointerId: 1, button: 0 })
    fireEvent.pointerMove(svg, { clientX: 300, clientY: 190, pointerId: 1 })
    fireEvent.pointerUp(svg, { clientX: 300, clientY: 190, pointerId: 1 })
    await user.type(screen.getByRole('textbox', { name: 'Text of the new line' }), 'CASH 10.00{Enter}')
    await user.click(screen.getByRole('button', { name: 'Save changes (3)' }))
    expect(await screen.findByText('Changes to 3 lines saved.')).toBeInTheDocument()
    expect(correct).toHaveBeenCalledTimes(1)
    expect(correct).toHaveBeenCalledWith(RID, {
      lines: [
        { index: 0, text: 'TOTAL 12.50', points: [[10, 16], [210, 16], [210, 46], [10, 46]], deleted: false },
        { index: 1, text: '', deleted: true },
        { index: 3, text: 'CASH 10.00', points: [[200, 160], [300, 160], [300, 190], [200, 190]], deleted: false },
      ],
    })
    // The saved state, no longer a draft: moved, deleted gone, added present.
    expect(screen.queryByRole('button', { name: /^Save changes/ })).toBeNull()
    expect([...container.querySelectorAll('svg.boxes polygon')].map((p) => p.getAttribute('data-index'))).toEqual(['0', '2', '3'])
    expect(container.querySelector('polygon[data-index="0"]')!.getAttribute('points')).toBe('10,16 210,16 210,46 10,46')
    expect(container.querySelector('polygon.draft')).toBeNull()
    expect(container.querySelector('li.line[data-index="3"]')).toHaveTextContent('CASH 10.00')
    expect(container.querySelector('li.line[data-index="3"]')).toHaveTextContent('added')
    expect(container.querySelector('.fulltext pre')!.textContent).toBe('TOTAL 12.50\nsmudged\nCASH 10.00\n')
  })

  it('reports a correction that could not be sent', async () => {
    const correct = vi.fn(async () => Promise.reject(new ApiError(502, 'upstream_unavailable', '')))
    const user = userEvent.setup()
    render(<App api={fakeApi({ correct })} />)
    await upload(user)
    await screen.findByText('Done: 3 lines read.')
    await user.click(screen.getByRole('button', { name: 'Edit line 1' }))
    await user.type(screen.getByRole('textbox', { name: 'Text of line 1' }), '0{Enter}')
    await waitFor(() => expect(screen.getByText(/Not saved: The OCR service is unavailable/)).toBeInTheDocument())
  })
})

describe('search', () => {
  const hit = (id: string, snippet = 'TOTAL 12.50 · THANK YOU') => ({
    request_id: id,
    created_at: '2026-11-22T10:00:00Z',
    snippet,
    highlights: [[0, 5]],
    score: 1.2,
    lines: [{ index: 0, text: 'TOTAL 12.50', points: [[10, 10], [210, 10], [210, 40], [10, 40]] }],
  })

  async function searchFor(user: ReturnType<typeof userEvent.setup>, q: string) {
    await user.type(screen.getByRole('searchbox', { name: 'Search the text of stored results' }), `${q}{Enter}`)
  }

  it('finds stored results and opens a hit with its matching lines highlighted', async () => {
    const search = vi.fn(async () => ({ items: [hit(RID)], next_cursor: null }))
    const getResult = vi.fn(async () => storedResult())
    const user = userEvent.setup()
    const { container } = render(<App api={fakeApi({ search, getResult })} />)
    await searchFor(user, 'T0TAL')
    const hits = await screen.findByRole('list', { name: 'Search results' })
    expect(search).toHaveBeenCalledWith('T0TAL', null, expect.anything())
    expect(within(hits).getByText('TOTAL').tagName).toBe('MARK')
    expect(screen.getByText('1 result for T0TAL')).toBeInTheDocument()
    await user.click(within(hits).getByRole('button'))
    expect(await screen.findByText('Opened a result with 3 lines; 1 matches the search.')).toBeInTheDocument()
    expect(getResult).toHaveBeenCalledWith(RID, expect.anything())
    expect([...container.querySelectorAll('polygon.match')].map((p) => p.getAttribute('data-index'))).toEqual(['0'])
    expect([...container.querySelectorAll('li.line.match')].map((l) => l.getAttribute('data-index'))).toEqual(['0'])
    expect(within(hits).getByRole('button')).toHaveAttribute('aria-current', 'true')
  })

  it('explains a query the gateway refuses', async () => {
    const search = vi.fn(async () => Promise.reject(new ApiError(422, 'invalid_query', 'a quote is not closed')))
    const user = userEvent.setup()
    render(<App api={fakeApi({ search })} />)
    await searchFor(user, '"tax')
    expect(await screen.findByText('This search cannot be run. a quote is not closed')).toHaveAttribute('role', 'alert')
    expect(screen.queryByRole('list', { name: 'Search results' })).toBeNull()
  })

  it('loads more hits, says when nothing is found, and clears', async () => {
    const other = '1c2d3e4f-0000-4000-8000-000000000002'
    const search = vi.fn(async (q: string, cursor?: string | null) =>
      q === 'nothing' ? { items: [], next_cursor: null } : cursor ? { items: [hit(other, 'TOTAL 3.00')], next_cursor: null } : { items: [hit(RID)], next_cursor: 'c2' },
    )
    const user = userEvent.setup()
    render(<App api={fakeApi({ search })} />)
    await searchFor(user, 'total')
    expect(await screen.findByText('1+ result for total')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'More results' }))
    expect(await screen.findByText('2 results for total')).toBeInTheDocument()
    expect(search).toHaveBeenLastCalledWith('total', 'c2', expect.anything())
    expect(screen.queryByRole('button', { name: 'More results' })).toBeNull()
    await user.clear(screen.getByRole('searchbox'))
    await searchFor(user, 'nothing')
    expect(await screen.findByText('Nothing found for nothing.')).toBeInTheDocument()
    await user.click(screen.getByRole('button', { name: 'Clear' }))
    expect(screen.queryByText('Nothing found for nothing.')).toBeNull()
    expect(screen.getByRole('searchbox')).toHaveValue('')
  })
})

it('reads the result id from the hash', () => {
  expect(resultIdFromHash(`#/result/${RID}`)).toBe(RID)
  expect(resultIdFromHash('#/')).toBeNull()
  expect(resultIdFromHash('#/result/../../etc')).toBeNull()
})

describe('signing in', () => {
  afterEach(() => sessionStorage.clear())

  // A gateway with authentication on: only the key `ocm_good` is accepted.
  const guarded = () =>
    fakeApi({
      listResults: async () => {
        const key = sessionStorage.getItem('ocrmesh.credential')
        if (key === null) throw new ApiError(401, 'unauthorized', 'credentials required')
        if (key !== 'ocm_good') throw new ApiError(401, 'invalid_token', 'unknown key')
        return {
          items: [{ request_id: RID, created_at: '2026-11-22T10:00:00Z', width: 400, height: 200, text: 'TOTAL 12.50' }],
          next_cursor: null,
        }
      },
    })

  it('asks for a key on the first 401 and keeps it in the tab', async () => {
    const user = userEvent.setup()
    render(<App api={guarded()} />)
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(screen.queryByLabelText('Image or PDF file')).toBeNull()
    await user.type(screen.getByLabelText('API key or token'), 'Bearer ocm_good')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByRole('button', { name: /TOTAL 12.50/ })).toBeInTheDocument()
    expect(sessionStorage.getItem('ocrmesh.credential')).toBe('ocm_good')
    expect(screen.queryByRole('heading', { name: 'Sign in' })).toBeNull()
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeInTheDocument()
  })

  it('asks again when the key is refused, and forgets it', async () => {
    sessionStorage.setItem('ocrmesh.credential', 'ocm_revoked')
    render(<App api={guarded()} />)
    expect(await screen.findByText(/That key or token was not accepted/)).toHaveAttribute('role', 'alert')
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(sessionStorage.getItem('ocrmesh.credential')).toBeNull()
  })

  it('signing out forgets the key and asks for one again', async () => {
    sessionStorage.setItem('ocrmesh.credential', 'ocm_good')
    const user = userEvent.setup()
    render(<App api={guarded()} />)
    await screen.findByRole('button', { name: /TOTAL 12.50/ })
    await user.click(screen.getByRole('button', { name: 'Sign out' }))
    expect(await screen.findByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    expect(sessionStorage.getItem('ocrmesh.credential')).toBeNull()
  })

  it('never asks when the gateway needs no credentials (make up)', async () => {
    const listResults = vi.fn(async () => ({ items: [], next_cursor: null }))
    render(<App api={fakeApi({ listResults })} />)
    await waitFor(() => expect(listResults).toHaveBeenCalled())
    expect(await screen.findByText('No results yet.')).toBeInTheDocument()
    expect(screen.queryByRole('heading', { name: 'Sign in' })).toBeNull()
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull()
    expect(screen.getByLabelText('Image or PDF file')).toBeInTheDocument()
  })
})
