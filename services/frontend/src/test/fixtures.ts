import type { Api, OcrResult, StoredResult } from '../api/client'

export const RID = '0b9f6c1e-3f7a-4c2b-9d2e-5a8e1f0c7b11'

export function ocrResult(overrides: Partial<OcrResult> = {}): OcrResult {
  return {
    request_id: RID,
    width: 400,
    height: 200,
    text: 'TOTAL 12.50\nTHANK YOU\nsmudged',
    lines: [
      { points: [[10, 10], [210, 10], [210, 40], [10, 40]], text: 'TOTAL 12.50', confidence: 0.97 },
      { points: [[10, 60], [180, 60], [180, 90], [10, 90]], text: 'THANK YOU', confidence: 0.88 },
      { points: [[10, 120], [120, 122], [120, 150], [10, 148]], text: 'smudged', confidence: 0.41 },
    ],
    trace_id: null,
    ...overrides,
  }
}

export function storedResult(overrides: Partial<StoredResult> = {}): StoredResult {
  return { ...ocrResult(), created_at: '2026-11-22T10:00:00Z', corrections: [], image_available: true, ...overrides }
}

export function fakeApi(overrides: Partial<Api> = {}): Api {
  return {
    ocr: async () => ocrResult(),
    listResults: async () => ({ items: [], next_cursor: null }),
    getResult: async () => storedResult(),
    image: async () => new Blob(['image-bytes'], { type: 'image/png' }),
    pageImage: async (_id, page) => new Blob([`page-${page}`], { type: 'image/png' }),
    exportResult: async (_id, format) => new Blob([`export-${format}`], { type: 'text/plain' }),
    correct: async (id) => ({ request_id: id, correction_id: 'c-1', status: 'accepted' }),
    search: async () => ({ items: [], next_cursor: null }),
    ...overrides,
  }
}

/** A 2-page PDF's answer: page 1 (600x800 at 72 dpi) with two lines, page 2 (800x600, landscape) with one. */
export function documentResult(overrides: Partial<OcrResult> = {}): OcrResult {
  const p1 = [
    { points: [[20, 20], [300, 20], [300, 50], [20, 50]], text: 'INVOICE 42', confidence: 0.95 },
    { points: [[20, 80], [260, 80], [260, 110], [20, 110]], text: 'Dear reader', confidence: 0.9 },
  ]
  const p2 = [{ points: [[700, 500], [790, 500], [790, 540], [700, 540]], text: 'Page two', confidence: 0.5 }]
  return {
    request_id: RID,
    width: 600,
    height: 800,
    text: 'INVOICE 42\nDear reader\fPage two',
    lines: [...p1, ...p2],
    pages: [
      { page: 1, width: 600, height: 800, dpi: 72, rotation: 0, text: 'INVOICE 42\nDear reader', lines: p1 },
      { page: 2, width: 800, height: 600, dpi: 72, rotation: 90, text: 'Page two', lines: p2 },
    ],
    trace_id: null,
    ...overrides,
  }
}
