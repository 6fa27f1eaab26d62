import { describe, expect, it } from 'vitest'

import { ocrResult } from '../test/fixtures'
import {
  addLine, deleteLine, draftCorrection, draftLines, draftSize, emptyDraft, moveBox, restoreLine, setAddedText,
} from './boxEdits'
import { buildView } from './corrections'
import type { Point } from './geometry'

const saved = buildView({ ...ocrResult(), corrections: [{ text: 'THANK YOU!', line_index: 1, deleted: false }] }).lines
const box: Point[] = [[20, 160], [120, 160], [120, 190], [20, 190]]

describe('box changes not saved yet', () => {
  it('starts empty and sends nothing', () => {
    expect(draftSize(emptyDraft)).toBe(0)
    expect(draftLines(saved, emptyDraft)).toEqual(saved)
    expect(draftCorrection(saved, emptyDraft)).toEqual([])
  })

  it('shows a moved box where it was moved and sends it with the line\'s current text', () => {
    const draft = moveBox(emptyDraft, 1, box)
    expect(draftSize(draft)).toBe(1)
    expect(draftLines(saved, draft)[1]).toMatchObject({ index: 1, points: box, draft: 'moved', text: 'THANK YOU!' })
    expect(draftLines(saved, draft)[0].draft).toBeUndefined()
    expect(draftCorrection(saved, draft)).toEqual([{ index: 1, text: 'THANK YOU!', points: box, deleted: false }])
    // Moving it again keeps the newest box only.
    const again = moveBox(draft, 1, [[0, 0], [5, 0], [5, 5], [0, 5]])
    expect(draftCorrection(saved, again)).toEqual([{ index: 1, text: 'THANK YOU!', points: [[0, 0], [5, 0], [5, 5], [0, 5]], deleted: false }])
  })

  it('marks a deleted line, sends it without text, and can restore it', () => {
    const draft = deleteLine(moveBox(emptyDraft, 2, box), 2)
    expect(draftLines(saved, draft)[2]).toMatchObject({ index: 2, draft: 'deleted' })
    expect(draftSize(draft)).toBe(1) // deleted wins over moved
    expect(draftCorrection(saved, draft)).toEqual([{ index: 2, text: '', deleted: true }])
    expect(deleteLine(draft, 2)).toBe(draft)
    const restored = restoreLine(draft, 2)
    expect(draftCorrection(saved, restored)).toEqual([{ index: 2, text: 'smudged', points: box, deleted: false }])
  })

  it('adds lines at the end, editable and removable before they are saved', () => {
    let draft = addLine(emptyDraft, { index: 3, points: box, text: 'CASH' })
    draft = addLine(draft, { index: 4, points: box, text: 'CHANGE' })
    draft = moveBox(draft, 3, [[1, 1], [9, 1], [9, 9], [1, 9]])
    draft = setAddedText(draft, 3, 'CASH 10.00')
    const shown = draftLines(saved, draft)
    expect(shown.map((l) => l.index)).toEqual([0, 1, 2, 3, 4])
    expect(shown[3]).toMatchObject({ text: 'CASH 10.00', draft: 'added', added: true, confidence: null, points: [[1, 1], [9, 1], [9, 9], [1, 9]] })
    expect(draft.moved).toEqual({}) // an added line's own box changed, not a saved line's
    expect(draftCorrection(saved, deleteLine(draft, 4))).toEqual([{ index: 3, text: 'CASH 10.00', points: [[1, 1], [9, 1], [9, 9], [1, 9]], deleted: false }])
  })

  it('sends every change as one list of line corrections, by index', () => {
    let draft = addLine(emptyDraft, { index: 3, points: box, text: 'CASH' })
    draft = deleteLine(draft, 2)
    draft = moveBox(draft, 0, box)
    expect(draftCorrection(saved, draft).map((l) => [l.index, l.deleted, l.text])).toEqual([
      [0, false, 'TOTAL 12.50'], [2, true, ''], [3, false, 'CASH'],
    ])
    expect(draftSize(draft)).toBe(3)
  })

  it('is what the view shows once saved and applied as a stored correction', () => {
    let draft = addLine(emptyDraft, { index: 3, points: box, text: 'CASH' })
    draft = deleteLine(moveBox(draft, 0, [[30, 10], [230, 10], [230, 40], [30, 40]]), 2)
    const sent = draftCorrection(saved, draft)
    const after = buildView({
      ...ocrResult(),
      corrections: [
        { text: 'THANK YOU!', line_index: 1, deleted: false, created_at: '2026-11-22T10:00:00Z' },
        ...sent.map((l) => ({ text: l.text, line_index: l.index, points: l.points ?? null, deleted: l.deleted, created_at: '2026-11-22T10:01:00Z' })),
      ],
    })
    expect(after.lines.map((l) => [l.index, l.text, l.points])).toEqual([
      [0, 'TOTAL 12.50', [[30, 10], [230, 10], [230, 40], [30, 40]]],
      [1, 'THANK YOU!', saved[1].points],
      [3, 'CASH', box],
    ])
  })
})
