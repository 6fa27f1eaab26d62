import { describe, expect, it } from 'vitest'

import { ocrResult } from '../test/fixtures'
import { buildView, latestCorrection, nextLineIndex, sortCorrections } from './corrections'

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

  it('moves a box to the points a correction gives, and keeps the box when it gives none', () => {
    const view = buildView({
      ...ocrResult(),
      corrections: [
        { text: 'TOTAL 12.50', line_index: 0, points: [[20, 15], [230, 15], [230, 45], [20, 45]], deleted: false, created_at: '2026-11-22T10:01:00Z' },
        { text: 'TOTAL 12.60', line_index: 0, points: null, deleted: false, created_at: '2026-11-22T10:02:00Z' },
      ],
    })
    expect(view.lines[0]).toMatchObject({ text: 'TOTAL 12.60', points: [[20, 15], [230, 15], [230, 45], [20, 45]], moved: true, corrected: true })
    expect(view.lines[1]).toMatchObject({ points: [[10, 60], [180, 60], [180, 90], [10, 90]], moved: false })
  })

  it('clamps moved boxes into the image', () => {
    const view = buildView({ ...ocrResult(), corrections: [{ text: 'x', line_index: 1, points: [[-10, 5], [500, 5], [500, 300], [-10, 300]], deleted: false }] })
    expect(view.lines[1].points).toEqual([[0, 5], [400, 5], [400, 200], [0, 200]])
  })

  it('hides deleted lines, from the boxes and from the text, keeping the other indexes', () => {
    const view = buildView({ ...ocrResult(), corrections: [{ text: '', line_index: 1, deleted: true, created_at: '2026-11-22T10:01:00Z' }] })
    expect(view.lines.map((l) => l.index)).toEqual([0, 2])
    expect(view.text).toBe('TOTAL 12.50\nsmudged')
  })

  it('brings a deleted line back when a newer correction of it is not deleted', () => {
    const view = buildView({
      ...ocrResult(),
      corrections: [
        { text: 'THANK YOU!', line_index: 1, deleted: false, created_at: '2026-11-22T10:02:00Z' },
        { text: '', line_index: 1, deleted: true, created_at: '2026-11-22T10:01:00Z' },
      ],
    })
    expect(view.lines.map((l) => l.text)).toEqual(['TOTAL 12.50', 'THANK YOU!', 'smudged'])
    // The other way round, the newer deletion wins.
    const gone = buildView({
      ...ocrResult(),
      corrections: [
        { text: 'THANK YOU!', line_index: 1, deleted: false, created_at: '2026-11-22T10:01:00Z' },
        { text: '', line_index: 1, deleted: true, created_at: '2026-11-22T10:02:00Z' },
      ],
    })
    expect(gone.lines.map((l) => l.index)).toEqual([0, 2])
  })

  it('adds a line at an index past the detected ones, with its box, author and time', () => {
    const view = buildView({
      ...ocrResult(),
      corrections: [
        { text: 'CASH 10.00', line_index: 4, points: [[10, 160], [150, 160], [150, 190], [10, 190]], deleted: false,
          author: 'alice', created_at: '2026-11-22T10:01:00Z' },
        { text: 'CHANGE', line_index: 3, points: [[200, 160], [300, 160], [300, 190], [200, 190]], deleted: false,
          created_at: '2026-11-22T10:02:00Z' },
      ],
    })
    // Added lines follow the detected ones in the order they were first corrected, as final_lines has them.
    expect(view.lines.map((l) => l.index)).toEqual([0, 1, 2, 4, 3])
    expect(view.lines[3]).toMatchObject({
      text: 'CASH 10.00', added: true, moved: false, confidence: null, low: false, corrected: true, originalText: '',
      points: [[10, 160], [150, 160], [150, 190], [10, 190]], correctedBy: 'alice', correctedAt: '2026-11-22T10:01:00Z',
    })
    expect(view.text).toBe('TOTAL 12.50\nTHANK YOU\nsmudged\nCASH 10.00\nCHANGE')
  })

  it('lets a later correction move, retext or delete an added line', () => {
    const added = { text: 'CASH', line_index: 3, points: [[10, 160], [150, 160], [150, 190], [10, 190]], deleted: false, created_at: '2026-11-22T10:01:00Z' }
    const moved = buildView({
      ...ocrResult(),
      corrections: [{ ...added }, { text: 'CASH 10', line_index: 3, points: [[20, 160], [160, 160], [160, 190], [20, 190]], deleted: false, created_at: '2026-11-22T10:02:00Z' }],
    })
    expect(moved.lines[3]).toMatchObject({ text: 'CASH 10', added: true, moved: false, points: [[20, 160], [160, 160], [160, 190], [20, 190]] })
    const deleted = buildView({ ...ocrResult(), corrections: [{ ...added }, { text: '', line_index: 3, deleted: true, created_at: '2026-11-22T10:02:00Z' }] })
    expect(deleted.lines.map((l) => l.index)).toEqual([0, 1, 2])
  })

  it('applies moves, deletions and additions oldest first whatever order they are listed in', () => {
    const corrections = [
      { text: '', line_index: 0, deleted: true, created_at: '2026-11-22T10:03:00Z' },
      { text: 'TOTAL', line_index: 0, points: [[0, 0], [50, 0], [50, 20], [0, 20]], deleted: false, created_at: '2026-11-22T10:01:00Z' },
      { text: 'NEW', line_index: 3, points: [[0, 0], [50, 0], [50, 20], [0, 20]], deleted: false, created_at: '2026-11-22T10:02:00Z' },
    ]
    const forward = buildView({ ...ocrResult(), corrections })
    const backward = buildView({ ...ocrResult(), corrections: [...corrections].reverse() })
    expect(forward.lines.map((l) => l.index)).toEqual([1, 2, 3])
    expect(backward).toEqual(forward)
  })

  it('gives an added line the next free index, past detected lines and lines added before', () => {
    expect(nextLineIndex({ ...ocrResult(), corrections: [] })).toBe(3)
    expect(nextLineIndex({ ...ocrResult(), corrections: [{ text: 'x', line_index: 0, deleted: false }, { text: 't', line_index: null, deleted: false }] })).toBe(3)
    // A deleted added line keeps its index taken.
    expect(nextLineIndex({ ...ocrResult(), corrections: [{ text: '', line_index: 6, deleted: true }] })).toBe(7)
  })

  it('finds the newest correction', () => {
    expect(latestCorrection([])).toBeNull()
    const latest = latestCorrection([
      { id: 'b', deleted: false, created_at: '2026-11-22T10:05:00Z', author: 'bob' },
      { id: 'a', deleted: false, created_at: '2026-11-22T10:01:00Z' },
    ])
    expect(latest?.id).toBe('b')
  })
})
