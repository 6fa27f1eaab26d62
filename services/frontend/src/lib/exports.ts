/** The downloads the gateway makes from a stored result, corrections applied (GET /v1/ocr/{id}/export). */
import type { ExportFormat } from '../api/client'

export interface ExportKind {
  format: ExportFormat
  /** What it is called in messages ("hOCR downloaded."). */
  name: string
  /** Its button's text. */
  button: string
  extension: string
}

export const EXPORTS: ExportKind[] = [
  { format: 'txt', name: 'Text', button: 'Text', extension: 'txt' },
  { format: 'hocr', name: 'hOCR', button: 'hOCR', extension: 'hocr' },
  { format: 'alto', name: 'ALTO XML', button: 'ALTO', extension: 'xml' },
  { format: 'pdf', name: 'Searchable PDF', button: 'Searchable PDF', extension: 'pdf' },
]

export function exportKind(format: ExportFormat): ExportKind {
  return EXPORTS.find((e) => e.format === format) ?? EXPORTS[0]
}
