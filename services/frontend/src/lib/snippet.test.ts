import { describe, expect, it } from 'vitest'

import { snippetPieces } from './snippet'

describe('snippetPieces', () => {
  it('cuts the snippet at the marked words', () => {
    expect(snippetPieces('TAX INVOICE · TOTAL 8.20', [[4, 11], [14, 19]])).toEqual([
      { text: 'TAX ', marked: false },
      { text: 'INVOICE', marked: true },
      { text: ' · ', marked: false },
      { text: 'TOTAL', marked: true },
      { text: ' 8.20', marked: false },
    ])
  })

  it('counts characters, not UTF-16 units, and ignores spans out of range or overlapping', () => {
    // '🧾' is one character but two UTF-16 units: the offsets after it still fit.
    expect(snippetPieces('🧾 TOTAL', [[2, 7], [3, 5], [9, 12]])).toEqual([
      { text: '🧾 ', marked: false },
      { text: 'TOTAL', marked: true },
    ])
    expect(snippetPieces('plain', [])).toEqual([{ text: 'plain', marked: false }])
  })
})
