import { describe, expect, it } from 'vitest'

import { ocrResult } from '../test/fixtures'
import { buildView, sortCorrections } from './corrections'

describe('buildView', () => {
  it('marks low-confidence lines (below 0.6)', () => {
    const view = buildView({ ...ocrResult(), corrections: [] })
    expect(view.lines.map((l) => l.low)).toEqual([false, false, true])
    expect(view.text).toBe('TOTAL 12.50\nTHANK YOU\nsmudged')
    expect(view.textCorrected).toBe(false)
  })

  it('applies line corrections, the newest winning, whatever order they come in', () => {
    const view = buildView({
      ...ocrResult(),
      corrections: [
        { id: 'b', text: 'SMUDGED 2', line_index: 2, deleted: false, created_at: '2026-11-22T10:05:00Z' },
        { id: 'a', text: 'SMUDGED 1', line_index: 2, deleted: false, created_at: '2026-11-22T10:01:00Z' },
      ],
    })
    expect(view.lines[2]).toMatchObject({ text: 'SMUDGED 2', originalText: 'smudged', corrected: true })
    expect(view.lines[0].corrected).toBe(false)
    expect(view.text).toBe('TOTAL 12.50\nTHANK YOU\nSMUDGED 2')
  })

  it('shows a whole-text correction when it is the newest', () => {
    const corrections = [
      { id: 'a', text: 'Total 12.50', line_index: 0, deleted: false, created_at: '2026-11-22T10:01:00Z' },
      { id: 'b', text: 'all new text', line_index: null, deleted: false, created_at: '2026-11-22T10:02:00Z' },
    ]
    const view = buildView({ ...ocrResult(), corrections })
    expect(view).toMatchObject({ text: 'all new text', textCorrected: true })
    expect(view.lines[0].text).toBe('Total 12.50')
    // A later line correction makes the lines the text again.
    const later = buildView({
      ...ocrResult(),
      corrections: [...corrections, { id: 'c', text: 'Thank you', line_index: 1, deleted: false, created_at: '2026-11-22T10:03:00Z' }],
    })
    expect(later).toMatchObject({ text: 'Total 12.50\nThank you\nsmudged', textCorrected: false })
  })

  it('ignores corrections of lines that do not exist', () => {
    const view = buildView({ ...ocrResult(), corrections: [{ text: 'x', line_index: 7, deleted: false }, { text: null, line_index: 0, deleted: false }] })
    expect(view.lines.every((l) => !l.corrected)).toBe(true)
  })

  it('keeps the order of corrections without a time', () => {
    const sorted = sortCorrections([
      { id: '2', deleted: false, created_at: '2026-11-22T10:00:00Z' },
      { id: '0', deleted: false },
      { id: '1', deleted: false },
    ])
    expect(sorted.map((c) => c.id)).toEqual(['0', '1', '2'])
  })
})
