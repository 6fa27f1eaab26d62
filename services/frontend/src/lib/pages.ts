/**
 * Documents page by page. A PDF or a multi-page TIFF is answered with `pages` (each with its size and
 * lines); the top-level `lines` are every page's lines in order, and a line's index there is the one
 * corrections use. So page N's lines are a run of indexes, and a line a person adds (an index past
 * every detected line) belongs to the page of the line before it, as the gateway's exports place it
 * (`corrected_pages` in ocr_common/corrections.py): the page of the last detected line.
 */
import type { OcrLine, OcrPage } from '../api/client'

export interface PageInfo {
  /** 1-based. */
  number: number
  width: number
  height: number
  /** The resolution a PDF page was rendered at; null for an image. */
  dpi: number | null
  /** The clockwise turn (0, 90, 180, 270) that read the page upright; points stay on the page as given. */
  rotation: number
  /** Its detected lines are result.lines[first .. first + count). */
  first: number
  count: number
}

export interface Paged {
  width: number
  height: number
  lines: OcrLine[]
  pages?: OcrPage[]
}

/** The pages of a result; one page of the top-level size where it has none (or they do not add up). */
export function resultPages(result: Paged): PageInfo[] {
  const single: PageInfo[] = [
    { number: 1, width: result.width, height: result.height, dpi: null, rotation: 0, first: 0, count: result.lines.length },
  ]
  const pages = result.pages ?? []
  if (pages.length === 0) return single
  let first = 0
  const out = pages.map((p, i) => {
    const count = p.lines?.length ?? 0
    const info = { number: i + 1, width: p.width, height: p.height, dpi: p.dpi ?? null, rotation: p.rotation ?? 0, first, count }
    first += count
    return info
  })
  if (first !== result.lines.length) return pages.length === 1 ? single : out.map((p) => ({ ...p, first: 0, count: 0 }))
  return out
}

/** The page (1-based) a line index is on; lines past the detected ones go on the last detected line's page. */
export function pageOfLine(pages: PageInfo[], index: number): number {
  for (const p of pages) if (index >= p.first && index < p.first + p.count) return p.number
  return addedLinesPage(pages)
}

/** Where a line a person adds goes: the page of the last detected line (page 1 when there is none). */
export function addedLinesPage(pages: PageInfo[]): number {
  for (let i = pages.length - 1; i >= 0; i--) if (pages[i].count > 0) return pages[i].number
  return 1
}

/** A PDF (its pages have a rendering dpi) or a multi-page TIFF: an <img> cannot show the upload itself. */
export function isDocument(result: Paged): boolean {
  const pages = result.pages ?? []
  return pages.length > 1 || (pages.length === 1 && pages[0].dpi !== null && pages[0].dpi !== undefined)
}

/** 'pdf' or 'tiff' by the file's first bytes (as the gateway sniffs them), else null: these an <img> cannot show
 * (nor can the browser be trusted to re-encode them: it would keep one page), so they go up as they are and their
 * pages are shown from the gateway's renderings. */
export async function documentKind(file: Blob): Promise<'pdf' | 'tiff' | null> {
  let head: Uint8Array
  try {
    head = new Uint8Array(await readBytes(file.slice(0, 1024)))
  } catch {
    return null
  }
  const text = String.fromCharCode(...head)
  if (text.includes('%PDF-')) return 'pdf'
  if (text.startsWith('II*\0') || text.startsWith('MM\0*')) return 'tiff'
  return null
}

function readBytes(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === 'function') return blob.arrayBuffer()
  return new Promise((resolve, reject) => {
    const reader = new FileReader() // older browsers (and jsdom) have no Blob.arrayBuffer
    reader.onload = () => resolve(reader.result as ArrayBuffer)
    reader.onerror = () => reject(reader.error)
    reader.readAsArrayBuffer(blob)
  })
}
