/**
 * A result as a person sees it: the read lines with every stored correction applied.
 *
 * Corrections are applied oldest first, so the newest one wins, exactly as the trainer's export
 * does (`final_lines` in cli/src/ocrmesh/corrections.py):
 * - a correction with a line_index sets that line's text; its `points`, when given, replace the
 *   line's box; `deleted` hides the line (a later correction of the same line without it brings
 *   the line back);
 * - a line_index beyond the detected lines is a line a person added (drawn only once it has a box);
 * - a correction without a line_index replaces the whole text.
 * The full text shown is the whole-text correction if that is the newest correction, otherwise the
 * (corrected) lines that are not deleted, joined by "\n".
 */
import type { Correction, OcrLine, OcrPage } from '../api/client'
import { LOW_CONFIDENCE } from '../config'
import { cleanPoints, type Point } from './geometry'
import { pageOfLine, resultPages } from './pages'

export interface ViewLine {
  index: number
  /** The 1-based page of a document it is on (absent: 1); its points are in that page's pixels. */
  page?: number
  points: Point[]
  text: string
  /** What the model read ('' for a line a person added). */
  originalText: string
  /** The model's confidence; null for a line a person added. */
  confidence: number | null
  low: boolean
  corrected: boolean
  /** A person moved or resized the box. */
  moved: boolean
  /** A person added the line (its index is beyond the detected lines). */
  added: boolean
  /** Who made the newest correction of the line, and when (null when unknown). */
  correctedBy: string | null
  correctedAt: string | null
  /** A change made here and not saved yet: drawn and listed as such (see lib/boxEdits.ts). */
  draft?: 'moved' | 'deleted' | 'added'
}

export interface ResultView {
  lines: ViewLine[]
  text: string
  /** The full text shown is a whole-text correction. */
  textCorrected: boolean
}

export interface ResultLike {
  width: number
  height: number
  text: string
  lines: OcrLine[]
  /** A document's pages (a PDF, a multi-page TIFF): each line's points are in its page's pixels. */
  pages?: OcrPage[]
  corrections?: Correction[]
}

function time(c: Correction): number {
  const t = c.created_at ? Date.parse(c.created_at) : NaN
  return Number.isNaN(t) ? -Infinity : t
}

/** Oldest first; corrections without a time keep their order before timed ones (stable sort). */
export function sortCorrections(corrections: Correction[]): Correction[] {
  return corrections
    .map((c, i) => ({ c, i }))
    .sort((a, b) => time(a.c) - time(b.c) || a.i - b.i)
    .map(({ c }) => c)
}

const hasIndex = (c: Correction): c is Correction & { line_index: number } => c.line_index !== null && c.line_index !== undefined

export function buildView(result: ResultLike, lowConfidence: number = LOW_CONFIDENCE): ResultView {
  // Insertion order, like final_lines: the detected lines in order, then added ones as they come.
  const pages = resultPages(result)
  const placed = (index: number) => {
    const page = pageOfLine(pages, index)
    return { page, width: pages[page - 1].width, height: pages[page - 1].height }
  }
  const byIndex = new Map<number, ViewLine & { deleted: boolean }>()
  result.lines.forEach((ln, index) => {
    const { page, width, height } = placed(index)
    byIndex.set(index, {
      index,
      page,
      points: cleanPoints(ln.points, width, height),
      text: ln.text,
      originalText: ln.text,
      confidence: ln.confidence,
      low: ln.confidence < lowConfidence,
      corrected: false,
      moved: false,
      added: false,
      correctedBy: null,
      correctedAt: null,
      deleted: false,
    })
  })
  let wholeText: string | null = null
  let newestIsWholeText = false
  for (const c of sortCorrections(result.corrections ?? [])) {
    const hasText = c.text !== null && c.text !== undefined
    if (!hasIndex(c)) {
      if (!hasText) continue
      wholeText = c.text as string
      newestIsWholeText = true
      continue
    }
    const at = placed(c.line_index)
    const points = c.points?.length ? cleanPoints(c.points, at.width, at.height) : null
    if (c.line_index < 0 || (!hasText && !points && !c.deleted)) continue // nothing to apply
    let line = byIndex.get(c.line_index)
    if (!line) {
      line = {
        index: c.line_index, page: at.page, points: [], text: '', originalText: '', confidence: null, low: false, corrected: false,
        moved: false, added: true, correctedBy: null, correctedAt: null, deleted: false,
      }
      byIndex.set(c.line_index, line)
    }
    if (hasText) line.text = c.text as string
    line.deleted = Boolean(c.deleted)
    if (points) {
      line.points = points
      line.moved = !line.added
    }
    line.corrected = true
    line.correctedBy = c.author ?? null
    line.correctedAt = c.created_at ?? null
    newestIsWholeText = false
  }
  const lines: ViewLine[] = [...byIndex.values()]
    .filter((l) => !l.deleted && l.points.length > 0) // an added line without a box is not drawn (nor trained on)
    .map(({ deleted: _deleted, ...line }) => line)
  const textCorrected = newestIsWholeText && wholeText !== null
  return { lines, text: textCorrected ? (wholeText as string) : lines.map((l) => l.text).join('\n'), textCorrected }
}

/** The index a newly added line gets: past every detected line and every line added before. */
export function nextLineIndex(result: ResultLike): number {
  return Math.max(result.lines.length, ...(result.corrections ?? []).filter(hasIndex).map((c) => c.line_index + 1))
}

/** The newest correction's time and author, for "corrected … by …" notes. */
export function latestCorrection(corrections: Correction[]): Correction | null {
  const sorted = sortCorrections(corrections)
  return sorted.length ? sorted[sorted.length - 1] : null
}
