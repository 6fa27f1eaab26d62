/**
 * A result as a person sees it: the read lines with every stored correction applied.
 *
 * Corrections are applied oldest first, so the newest one wins. A correction with a line_index
 * replaces that line's text; one without replaces the whole text. The full text shown is the whole
 * text correction if that is the newest correction, otherwise the (corrected) lines joined by "\n".
 */
import type { Correction, OcrLine } from '../api/client'
import { LOW_CONFIDENCE } from '../config'
import { cleanPoints, type Point } from './geometry'

export interface ViewLine {
  index: number
  points: Point[]
  text: string
  /** What the model read. */
  originalText: string
  confidence: number
  low: boolean
  corrected: boolean
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

export function buildView(result: ResultLike, lowConfidence: number = LOW_CONFIDENCE): ResultView {
  const lines: ViewLine[] = result.lines.map((ln, index) => ({
    index,
    points: cleanPoints(ln.points, result.width, result.height),
    text: ln.text,
    originalText: ln.text,
    confidence: ln.confidence,
    low: ln.confidence < lowConfidence,
    corrected: false,
  }))
  let wholeText: string | null = null
  let newestIsWholeText = false
  for (const c of sortCorrections(result.corrections ?? [])) {
    if (c.text === null || c.text === undefined) continue
    if (c.line_index === null || c.line_index === undefined) {
      wholeText = c.text
      newestIsWholeText = true
    } else if (c.line_index >= 0 && c.line_index < lines.length) {
      const line = lines[c.line_index]
      line.text = c.text
      line.corrected = true
      newestIsWholeText = false
    }
  }
  const textCorrected = newestIsWholeText && wholeText !== null
  return { lines, text: textCorrected ? (wholeText as string) : lines.map((l) => l.text).join('\n'), textCorrected }
}
