import { act, fireEvent, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import { ocrResult } from '../test/fixtures'
import { ResultView, type OpenResult } from './ResultView'

function setup(result: Partial<OpenResult> = {}) {
  const onCorrectLine = vi.fn(async () => undefined)
  const onCorrectText = vi.fn(async () => undefined)
  const onCopy = vi.fn()
  const onDownload = vi.fn()
  const full: OpenResult = { ...ocrResult(), created_at: null, corrections: [], ...result }
  const utils = render(
    <ResultView
      result={full}
      imageSrc="blob:img"
      onCorrectLine={onCorrectLine}
      onCorrectText={onCorrectText}
      onCopy={onCopy}
      onDownload={onDownload}
    />,
  )
  const polygon = (i: number) => utils.container.querySelector(`polygon[data-index="${i}"]`)!
  const row = (i: number) => utils.container.querySelector(`li.line[data-index="${i}"]`)!
  const textLine = (i: number) => utils.container.querySelector(`.text-line[data-index="${i}"]`)!
  return { ...utils, polygon, row, textLine, onCorrectLine, onCorrectText, onCopy, onDownload, user: userEvent.setup() }
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
    expect(within(row(2) as HTMLElement).getByText('corrected')).toHaveAttribute('title', 'Read as: smudged')
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
