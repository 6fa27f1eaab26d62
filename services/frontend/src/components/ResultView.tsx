import { useMemo, useState } from 'react'

import type { Correction } from '../api/client'
import { buildView, type ResultLike } from '../lib/corrections'
import { FullText } from './FullText'
import { ImageOverlay } from './ImageOverlay'
import { LineList } from './LineList'

export interface OpenResult extends ResultLike {
  request_id: string
  created_at?: string | null
  corrections: Correction[]
}

interface Props {
  result: OpenResult
  imageSrc: string | null
  /** Indexes of the lines that matched the search the result was opened from. */
  matches?: number[]
  onCorrectLine: (index: number, text: string) => Promise<void>
  onCorrectText: (text: string) => Promise<void>
  onCopy: (text: string) => void
  onDownload: () => void
}

/** One result: the image with its boxes beside the lines and the full text, all linked. */
export function ResultView({ result, imageSrc, matches = [], onCorrectLine, onCorrectText, onCopy, onDownload }: Props) {
  const view = useMemo(() => buildView(result), [result])
  const [hovered, setHovered] = useState<number | null>(null)
  const [selected, setSelected] = useState<number | null>(null)
  const active = hovered ?? selected
  const select = (index: number) => setSelected((s) => (s === index ? null : index))
  const lowCount = view.lines.filter((l) => l.low).length
  const correctedCount = view.lines.filter((l) => l.corrected).length

  return (
    <section className="result" aria-labelledby="result-title" data-request-id={result.request_id}>
      <div className="result-head">
        <div>
          <h2 id="result-title">Result</h2>
          <p className="meta">
            {view.lines.length} {view.lines.length === 1 ? 'line' : 'lines'} · {result.width}×{result.height} px
            {lowCount > 0 && <> · {lowCount} low confidence</>}
            {correctedCount > 0 && <> · {correctedCount} corrected</>}
            {matches.length > 0 && <> · {matches.length} matching the search</>}
            {result.created_at && <> · {new Date(result.created_at).toLocaleString()}</>}
          </p>
        </div>
        <div className="toolbar">
          <button type="button" onClick={() => onCopy(view.text)}>
            Copy text
          </button>
          <button type="button" onClick={onDownload}>
            Download JSON
          </button>
        </div>
      </div>
      <div className="result-body">
        <ImageOverlay
          src={imageSrc}
          width={result.width}
          height={result.height}
          lines={view.lines}
          matches={matches}
          activeIndex={active}
          selectedIndex={selected}
          onHover={setHovered}
          onSelect={select}
        />
        <div className="panel">
          <div className="section-head">
            <h3>Lines</h3>
            <span className="legend">
              <span className="badge badge-low">low confidence</span> below 60%
            </span>
          </div>
          <LineList
            lines={view.lines}
            matches={matches}
            activeIndex={active}
            selectedIndex={selected}
            onHover={setHovered}
            onSelect={select}
            onSave={onCorrectLine}
          />
          <FullText view={view} activeIndex={active} onHover={setHovered} onSelect={select} onSave={onCorrectText} />
        </div>
      </div>
    </section>
  )
}
