import { act, fireEvent, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import type { LineCorrectionIn } from '../api/client'
import { ocrResult } from '../test/fixtures'
import { ResultView, type OpenResult } from './ResultView'

function setup(result: Partial<OpenResult> = {}) {
  const onCorrectLine = vi.fn(async () => undefined)
  const onCorrectText = vi.fn(async () => undefined)
  const onCorrectBoxes = vi.fn(async (_lines: LineCorrectionIn[]) => undefined)
  const onCopy = vi.fn()
  const onDownload = vi.fn()
  const full: OpenResult = { ...ocrResult(), created_at: null, corrections: [], ...result }
  const utils = render(
    <ResultView
      result={full}
      imageSrc="blob:img"
      onCorrectLine={onCorrectLine}
      onCorrectText={onCorrectText}
      onCorrectBoxes={onCorrectBoxes}
      onCopy={onCopy}
      onDownload={onDownload}
    />,
  )
  const polygon = (i: number) => utils.container.querySelector(`polygon[data-index="${i}"]`)!
  const row = (i: number) => utils.container.querySelector(`li.line[data-index="${i}"]`)!
  const textLine = (i: number) => utils.container.querySelector(`.text-line[data-index="${i}"]`)!
  return { ...utils, polygon, row, textLine, onCorrectLine, onCorrectText, onCorrectBoxes, onCopy, onDownload, user: userEvent.setup() }
}

describe('line and text highlight linking', () => {
  it('hovering a box highlights its line and its text', () => {
    const { polygon, row, textLine } = setup()
    fireEvent.mouseEnter(polygon(1))
    expect(row(1)).toHaveClass('active')
    expect(textLine(1)).toHaveClass('active')
    expect(row(0)).not.toHaveClass('active')
  })

  it('hovering or focusing a line highlights its box', async () => {
    const { polygon, row, user } = setup()
    fireEvent.mouseEnter(within(row(2) as HTMLElement).getByRole('button', { name: /^Line 3/ }))
    expect(polygon(2)).toHaveClass('active')
    fireEvent.mouseLeave(within(row(2) as HTMLElement).getByRole('button', { name: /^Line 3/ }))
    expect(polygon(2)).not.toHaveClass('active')
    await user.tab() // Copy text
    await user.tab() // Download JSON
    await user.tab() // Add line
    await user.tab() // line 1
    expect(document.activeElement).toHaveAccessibleName(/^Line 1: TOTAL 12.50; confidence 97%/)
    expect(polygon(0)).toHaveClass('active')
  })

  it('clicking a box selects its line; clicking again unselects it', () => {
    const { polygon, row } = setup()
    fireEvent.click(polygon(0))
    const button = within(row(0) as HTMLElement).getByRole('button', { name: /^Line 1/ })
    expect(button).toHaveAttribute('aria-pressed', 'true')
    expect(polygon(0)).toHaveClass('selected')
    fireEvent.click(polygon(0))
    expect(button).toHaveAttribute('aria-pressed', 'false')
  })

  it('hovering a line of the full text highlights its box', () => {
    const { polygon, textLine } = setup()
    fireEvent.mouseEnter(textLine(2))
    expect(polygon(2)).toHaveClass('active')
  })
})

describe('confidence', () => {
  it('shows each confidence and marks low ones', () => {
    const { row } = setup()
    expect(row(0)).toHaveTextContent('97%')
    expect(row(0)).not.toHaveTextContent('low confidence')
    expect(row(2)).toHaveTextContent('41%')
    expect(row(2)).toHaveTextContent('low confidence')
    expect(row(2)).toHaveClass('low')
    expect(screen.getByText(/1 low confidence/)).toBeInTheDocument()
  })
})

describe('correction editing', () => {
  it('edits a line and sends its index and new text', async () => {
    const { user, onCorrectLine } = setup()
    await user.click(screen.getByRole('button', { name: 'Edit line 3' }))
    const input = screen.getByRole('textbox', { name: 'Text of line 3' })
    expect(input).toHaveValue('smudged')
    expect(input).toHaveFocus()
    await user.clear(input)
    await user.type(input, 'SMUDGED{Enter}')
    expect(onCorrectLine).toHaveBeenCalledWith(2, 'SMUDGED')
    expect(screen.queryByRole('textbox', { name: 'Text of line 3' })).toBeNull()
  })

  it('Escape cancels an edit without sending it', async () => {
    const { user, onCorrectLine } = setup()
    await user.click(screen.getByRole('button', { name: 'Edit line 1' }))
    await user.type(screen.getByRole('textbox', { name: 'Text of line 1' }), 'xyz{Escape}')
    expect(onCorrectLine).not.toHaveBeenCalled()
    expect(screen.queryByRole('textbox')).toBeNull()
  })

  it('keeps the editor open with the reason when saving fails', async () => {
    const { user, onCorrectLine } = setup()
    onCorrectLine.mockRejectedValueOnce(new Error('Could not reach the server.'))
    await user.click(screen.getByRole('button', { name: 'Edit line 2' }))
    await user.type(screen.getByRole('textbox', { name: 'Text of line 2' }), '!{Enter}')
    expect(await screen.findByRole('alert')).toHaveTextContent('Not saved: Could not reach the server.')
    expect(screen.getByRole('textbox', { name: 'Text of line 2' })).toHaveValue('THANK YOU!')
  })

  it('"e" on a focused line opens its editor', async () => {
    const { user } = setup()
    act(() => screen.getByRole('button', { name: /^Line 2/ }).focus())
    await user.keyboard('e')
    expect(screen.getByRole('textbox', { name: 'Text of line 2' })).toHaveFocus()
  })

  it('shows stored corrections over the read text, and marks the line as corrected', () => {
    const { row } = setup({
      corrections: [
        { id: 'a', text: 'Smudged?', line_index: 2, deleted: false, created_at: '2026-11-22T10:00:00Z' },
        { id: 'b', text: 'Smudged!', line_index: 2, deleted: false, created_at: '2026-11-22T10:01:00Z' },
      ],
    })
    expect(row(2)).toHaveTextContent('Smudged!')
    expect(row(2)).toHaveTextContent('corrected')
    const badge = within(row(2) as HTMLElement).getByText('corrected')
    expect(badge.getAttribute('title')).toMatch(/^Read as: smudged; corrected on .+2026/)
  })

  it('edits and sends the whole text', async () => {
    const { user, onCorrectText } = setup()
    await user.click(screen.getByRole('button', { name: 'Edit full text' }))
    const area = screen.getByRole('textbox', { name: 'Full text' })
    await user.clear(area)
    await user.type(area, 'one{Enter}two')
    await user.click(screen.getByRole('button', { name: 'Save correction' }))
    expect(onCorrectText).toHaveBeenCalledWith('one\ntwo')
  })

  it('copies the corrected text and asks for the download', async () => {
    const { user, onCopy, onDownload } = setup({ corrections: [{ text: 'TOTAL 13.50', line_index: 0, deleted: false }] })
    await user.click(screen.getByRole('button', { name: 'Copy text' }))
    expect(onCopy).toHaveBeenCalledWith('TOTAL 13.50\nTHANK YOU\nsmudged')
    await act(async () => screen.getByRole('button', { name: 'Download JSON' }).click())
    expect(onDownload).toHaveBeenCalled()
  })
})

describe('box changes', () => {
  const shownAtTwice = (container: HTMLElement) => {
    const svg = container.querySelector('svg')!
    svg.getBoundingClientRect = () => ({ left: 0, top: 0, x: 0, y: 0, width: 800, height: 400, right: 800, bottom: 400, toJSON: () => ({}) })
    return svg
  }
  const at = (x: number, y: number) => ({ clientX: 2 * x, clientY: 2 * y, pointerId: 1, button: 0 })

  it('"Not text" marks a line for deletion, Restore takes it back, by keyboard alone', async () => {
    const { user, row, polygon, onCorrectBoxes } = setup()
    expect(screen.queryByRole('button', { name: /^Save changes/ })).toBeNull()
    act(() => screen.getByRole('button', { name: 'Not text: delete line 2' }).focus())
    await user.keyboard('{Enter}')
    expect(row(1)).toHaveClass('draft-deleted')
    expect(row(1)).toHaveTextContent('not text')
    expect(polygon(1)).toHaveClass('draft-deleted')
    expect(within(row(1) as HTMLElement).queryByRole('button', { name: 'Edit line 2' })).toBeNull()
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Restore line 2' })).toHaveFocus())
    expect(screen.getByRole('button', { name: 'Save changes (1)' })).toBeInTheDocument()
    await user.keyboard('{Enter}')
    expect(row(1)).not.toHaveClass('draft-deleted')
    expect(screen.queryByRole('button', { name: /^Save changes/ })).toBeNull()
    await vi.waitFor(() => expect(screen.getByRole('button', { name: 'Not text: delete line 2' })).toHaveFocus())
    expect(onCorrectBoxes).not.toHaveBeenCalled()
  })

  it('the Delete key on a focused line marks it as not text', async () => {
    const { user, row } = setup()
    act(() => screen.getByRole('button', { name: /^Line 3/ }).focus())
    await user.keyboard('{Delete}')
    expect(row(2)).toHaveClass('draft-deleted')
    expect(screen.getByRole('button', { name: /^Line 3/ })).toHaveAccessibleName(/not text, not saved yet/)
  })

  it('moves, deletes and adds, then saves every change as one correction', async () => {
    const { user, container, polygon, row, onCorrectBoxes } = setup({
      corrections: [{ text: 'THANK YOU!', line_index: 1, deleted: false, created_at: '2026-11-22T10:00:00Z' }],
    })
    const svg = shownAtTwice(container)
    // Move line 2: select its box, drag it 20 px right.
    fireEvent.click(polygon(1))
    fireEvent.pointerDown(container.querySelector('.box-frame')!, at(50, 70))
    fireEvent.pointerMove(svg, at(70, 70))
    fireEvent.pointerUp(svg)
    expect(polygon(1).getAttribute('points')).toBe('30,60 200,60 200,90 30,90')
    expect(row(1)).toHaveTextContent('box moved')
    // Delete line 3.
    await user.click(screen.getByRole('button', { name: 'Not text: delete line 3' }))
    // Add a line: draw its box, type its text.
    await user.click(screen.getByRole('button', { name: 'Add line' }))
    expect(screen.getByRole('button', { name: 'Cancel adding' })).toHaveAttribute('aria-pressed', 'true')
    fireEvent.pointerDown(container.querySelector('.draw-area')!, at(250, 150))
    fireEvent.pointerMove(svg, at(390, 180))
    fireEvent.pointerUp(svg)
    const input = screen.getByRole('textbox', { name: 'Text of the new line' })
    expect(input).toHaveFocus()
    expect(screen.getByRole('button', { name: 'Add' })).toBeDisabled()
    await user.type(input, 'CASH 10.00{Enter}')
    expect(row(3)).toHaveTextContent('CASH 10.00')
    expect(row(3)).toHaveTextContent('new')
    expect(polygon(3).getAttribute('points')).toBe('250,150 390,150 390,180 250,180')
    await user.click(screen.getByRole('button', { name: 'Save changes (3)' }))
    expect(onCorrectBoxes).toHaveBeenCalledTimes(1)
    expect(onCorrectBoxes).toHaveBeenCalledWith([
      { index: 1, text: 'THANK YOU!', points: [[30, 60], [200, 60], [200, 90], [30, 90]], deleted: false },
      { index: 2, text: '', deleted: true },
      { index: 3, text: 'CASH 10.00', points: [[250, 150], [390, 150], [390, 180], [250, 180]], deleted: false },
    ])
    // Saved: the draft is gone (the parent shows the saved state).
    await vi.waitFor(() => expect(screen.queryByRole('button', { name: /^Save changes/ })).toBeNull())
  })

  it('gives an added line the index after every line added before', async () => {
    const { user, onCorrectBoxes } = setup({
      corrections: [{ text: 'OLD', line_index: 5, points: [[0, 0], [9, 0], [9, 9], [0, 9]], deleted: false, created_at: '2026-11-22T10:00:00Z' }],
    })
    // From the keyboard "Add line" places a box in the middle of the image.
    act(() => screen.getByRole('button', { name: 'Add line' }).focus())
    await user.keyboard('{Enter}')
    await user.type(screen.getByRole('textbox', { name: 'Text of the new line' }), 'first{Enter}')
    act(() => screen.getByRole('button', { name: 'Add line' }).focus())
    await user.keyboard('{Enter}')
    await user.type(screen.getByRole('textbox', { name: 'Text of the new line' }), 'second{Enter}')
    await user.click(screen.getByRole('button', { name: 'Save changes (2)' }))
    const sent = onCorrectBoxes.mock.calls[0][0]
    expect(sent.map((l) => [l.index, l.text])).toEqual([[6, 'first'], [7, 'second']])
    expect(sent[0].points).toEqual([[133, 95], [267, 95], [267, 105], [133, 105]])
  })

  it('edits the text of an added line before saving it, without sending a correction', async () => {
    const { user, container, onCorrectLine, onCorrectBoxes } = setup()
    shownAtTwice(container)
    await user.click(screen.getByRole('button', { name: 'Add line' }))
    fireEvent.pointerDown(container.querySelector('.draw-area')!, at(250, 150))
    fireEvent.pointerMove(container.querySelector('svg')!, at(390, 180))
    fireEvent.pointerUp(container.querySelector('svg')!)
    await user.type(screen.getByRole('textbox', { name: 'Text of the new line' }), 'CASH{Enter}')
    await user.click(screen.getByRole('button', { name: 'Edit line 4' }))
    await user.type(screen.getByRole('textbox', { name: 'Text of line 4' }), ' 10{Enter}')
    expect(onCorrectLine).not.toHaveBeenCalled()
    await user.click(screen.getByRole('button', { name: 'Save changes (1)' }))
    expect(onCorrectBoxes.mock.calls[0][0]).toEqual([
      { index: 3, text: 'CASH 10', points: [[250, 150], [390, 150], [390, 180], [250, 180]], deleted: false },
    ])
  })

  it('Discard drops every change; a failed save keeps them with the reason', async () => {
    const { user, row, onCorrectBoxes } = setup()
    await user.click(screen.getByRole('button', { name: 'Not text: delete line 1' }))
    await user.click(screen.getByRole('button', { name: 'Discard changes' }))
    expect(row(0)).not.toHaveClass('draft-deleted')
    onCorrectBoxes.mockRejectedValueOnce(new Error('Could not reach the server.'))
    await user.click(screen.getByRole('button', { name: 'Not text: delete line 1' }))
    await user.click(screen.getByRole('button', { name: 'Save changes (1)' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Not saved: Could not reach the server.')
    expect(row(0)).toHaveClass('draft-deleted')
  })

  it('shows stored moves, deletions and additions, and who corrected when', () => {
    const { container, row, polygon } = setup({
      corrections: [
        { text: 'TOTAL 12.50', line_index: 0, points: [[20, 10], [220, 10], [220, 40], [20, 40]], deleted: false, author: 'alice', created_at: '2026-11-22T10:01:00Z' },
        { text: '', line_index: 2, deleted: true, author: 'alice', created_at: '2026-11-22T10:01:00Z' },
        { text: 'CASH', line_index: 3, points: [[250, 150], [390, 150], [390, 180], [250, 180]], deleted: false, author: 'bob', created_at: '2026-11-22T10:02:00Z' },
      ],
    })
    expect(container.querySelectorAll('svg polygon')).toHaveLength(3)
    expect(polygon(0).getAttribute('points')).toBe('20,10 220,10 220,40 20,40')
    expect(container.querySelector('polygon[data-index="2"]')).toBeNull()
    expect(row(3)).toHaveTextContent('CASH')
    expect(within(row(0) as HTMLElement).getByText('box corrected').getAttribute('title')).toMatch(/corrected on .+ by alice$/)
    expect(within(row(3) as HTMLElement).getByText('added').getAttribute('title')).toMatch(/^Added by a person; added on .+ by bob$/)
    expect(screen.getByText(/latest correction .+ by bob/)).toBeInTheDocument()
    expect(screen.getByText(/3 lines · 400×200 px/)).toBeInTheDocument()
  })
})
