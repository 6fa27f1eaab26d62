/**
 * Box changes a person is making and has not saved yet: moved or resized boxes, lines marked as
 * "not text" and added lines. They are shown over the saved view and sent together as one
 * correction (`draftCorrection`), which the view then applies like any stored one (lib/corrections.ts).
 */
import type { LineCorrectionIn } from '../api/client'
import type { ViewLine } from './corrections'
import type { Point } from './geometry'

export interface AddedLine {
  index: number
  points: Point[]
  text: string
}

export interface BoxDraft {
  /** New boxes of saved lines, by index. */
  moved: Record<number, Point[]>
  /** Saved lines marked as not text. */
  deleted: number[]
  /** New lines, at indexes past every saved one. */
  added: AddedLine[]
}

export const emptyDraft: BoxDraft = { moved: {}, deleted: [], added: [] }

/** How many lines the draft changes. */
export function draftSize(draft: BoxDraft): number {
  const moved = Object.keys(draft.moved).map(Number).filter((i) => !draft.deleted.includes(i))
  return moved.length + draft.deleted.length + draft.added.length
}

export function isAdded(draft: BoxDraft, index: number): boolean {
  return draft.added.some((a) => a.index === index)
}

/** A line's box changed: an added line's own box, else a move of a saved line. */
export function moveBox(draft: BoxDraft, index: number, points: Point[]): BoxDraft {
  if (isAdded(draft, index)) return { ...draft, added: draft.added.map((a) => (a.index === index ? { ...a, points } : a)) }
  return { ...draft, moved: { ...draft.moved, [index]: points } }
}

/** "Not text": a saved line is marked deleted, an added one is dropped. */
export function deleteLine(draft: BoxDraft, index: number): BoxDraft {
  if (isAdded(draft, index)) return { ...draft, added: draft.added.filter((a) => a.index !== index) }
  if (draft.deleted.includes(index)) return draft
  return { ...draft, deleted: [...draft.deleted, index] }
}

export function restoreLine(draft: BoxDraft, index: number): BoxDraft {
  return { ...draft, deleted: draft.deleted.filter((i) => i !== index) }
}

export function addLine(draft: BoxDraft, line: AddedLine): BoxDraft {
  return { ...draft, added: [...draft.added.filter((a) => a.index !== line.index), line] }
}

export function setAddedText(draft: BoxDraft, index: number, text: string): BoxDraft {
  return { ...draft, added: draft.added.map((a) => (a.index === index ? { ...a, text } : a)) }
}

/** The saved lines with the draft over them: moved boxes where moved, deleted lines still listed
 * (marked, so they can be restored), added lines at the end. */
export function draftLines(lines: ViewLine[], draft: BoxDraft): ViewLine[] {
  const shown: ViewLine[] = lines.map((line) => {
    if (draft.deleted.includes(line.index)) return { ...line, draft: 'deleted' }
    const points = draft.moved[line.index]
    return points ? { ...line, points, draft: 'moved' } : line
  })
  for (const a of draft.added) {
    shown.push({
      index: a.index, points: a.points, text: a.text, originalText: '', confidence: null, low: false, corrected: false,
      moved: false, added: true, correctedBy: null, correctedAt: null, draft: 'added',
    })
  }
  return shown
}

/** The draft as the lines of one correction (POST /v1/ocr/{id}/corrections), by index. A moved line
 * keeps its current text (a line correction always sets the text); a deleted one has none. */
export function draftCorrection(lines: ViewLine[], draft: BoxDraft): LineCorrectionIn[] {
  const out: LineCorrectionIn[] = []
  for (const line of lines) {
    if (draft.deleted.includes(line.index)) out.push({ index: line.index, text: '', deleted: true })
    else if (draft.moved[line.index]) out.push({ index: line.index, text: line.text, points: draft.moved[line.index], deleted: false })
  }
  for (const a of draft.added) out.push({ index: a.index, text: a.text, points: a.points, deleted: false })
  return out.sort((a, b) => a.index - b.index)
}
