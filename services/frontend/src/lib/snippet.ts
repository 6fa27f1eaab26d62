/**
 * A search hit's snippet as plain and marked pieces, to render without HTML. The gateway gives the
 * marked words as [start, end) offsets in characters (Unicode code points), not UTF-16 units.
 */
export interface SnippetPiece {
  text: string
  marked: boolean
}

export function snippetPieces(snippet: string, highlights: number[][]): SnippetPiece[] {
  const chars = Array.from(snippet)
  const pieces: SnippetPiece[] = []
  let at = 0
  for (const [start, end] of [...highlights].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, at)
    const to = Math.min(end, chars.length)
    if (to <= from) continue
    if (from > at) pieces.push({ text: chars.slice(at, from).join(''), marked: false })
    pieces.push({ text: chars.slice(from, to).join(''), marked: true })
    at = to
  }
  if (at < chars.length) pieces.push({ text: chars.slice(at).join(''), marked: false })
  return pieces
}
