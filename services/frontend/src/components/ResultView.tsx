import { useMemo, useRef, useState, type FormEvent, type MouseEvent } from 'react'

import type { Correction, LineCorrectionIn } from '../api/client'
import {
  addLine, deleteLine, draftCorrection, draftLines, draftSize, emptyDraft, isAdded, moveBox, restoreLine, setAddedText, type BoxDraft,
} from '../lib/boxEdits'
import { buildView, latestCorrection, nextLineIndex, type ResultLike } from '../lib/corrections'
import { rectPoints, type Point } from '../lib/geometry'
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
  /** Saves moved, deleted and added lines as one correction. */
  onCorrectBoxes: (lines: LineCorrectionIn[]) => Promise<void>
  onCopy: (text: string) => void
  onDownload: () => void
}

/** One result: the image with its boxes beside the lines and the full text, all linked. */
export function ResultView({ result, imageSrc, matches = [], onCorrectLine, onCorrectText, onCorrectBoxes, onCopy, onDownload }: Props) {
  const view = useMemo(() => buildView(result), [result])
  const [hovered, setHovered] = useState<number | null>(null)
  const [selected, setSelected] = useState<number | null>(null)
  // Box changes not saved yet, the box being added (drawn, waiting for its text), saving.
  const [draft, setDraft] = useState<BoxDraft>(emptyDraft)
  const [adding, setAdding] = useState(false)
  const [newBox, setNewBox] = useState<Point[] | null>(null)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState<string | null>(null)
  const addButton = useRef<HTMLButtonElement>(null)
  const lines = useMemo(() => draftLines(view.lines, draft), [view, draft])
  const changes = draftSize(draft)
  const active = hovered ?? selected
  const select = (index: number) => setSelected((s) => (s === index ? null : index))
  const lowCount = view.lines.filter((l) => l.low).length
  const correctedCount = view.lines.filter((l) => l.corrected).length
  const latest = latestCorrection(result.corrections)

  function change(next: BoxDraft) {
    setDraft(next)
    setSaveError(null)
  }

  function toggleAdding(e: MouseEvent) {
    if (adding || newBox) {
      setAdding(false)
      setNewBox(null)
      return
    }
    setSelected(null)
    if (e.detail === 0) {
      // From the keyboard: a box in the middle of the image, to move and resize with the arrow keys once added.
      const [w, h] = [result.width, result.height]
      setNewBox(rectPoints([w / 3, h / 2 - h / 40], [(2 * w) / 3, h / 2 + h / 40], w, h))
    } else {
      setAdding(true)
    }
  }

  function addNew(text: string) {
    if (!newBox) return
    const used = Math.max(nextLineIndex(result), ...draft.added.map((a) => a.index + 1))
    change(addLine(draft, { index: used, points: newBox, text }))
    setNewBox(null)
    setSelected(used)
    requestAnimationFrame(() => addButton.current?.focus())
  }

  function cancelNew() {
    setNewBox(null)
    requestAnimationFrame(() => addButton.current?.focus())
  }

  async function save() {
    setSaving(true)
    setSaveError(null)
    try {
      await onCorrectBoxes(draftCorrection(view.lines, draft))
      setDraft(emptyDraft)
    } catch (err) {
      setSaveError(err instanceof Error ? err.message : String(err))
    } finally {
      setSaving(false)
    }
  }

  // A line added here and not saved yet is edited in the draft; every other line is corrected at once.
  const saveLine = async (index: number, text: string) =>
    isAdded(draft, index) ? change(setAddedText(draft, index, text)) : onCorrectLine(index, text)

  return (
    <section className="result" aria-labelledby="result-title" data-request-id={result.request_id}>
      <div className="result-head">
        <div>
          <h2 id="result-title">Result</h2>
          <p className="meta">
            {view.lines.length} {view.lines.length === 1 ? 'line' : 'lines'} · {result.width}×{result.height} px
            {lowCount > 0 && <> · {lowCount} low confidence</>}
            {correctedCount > 0 && <> · {correctedCount} corrected</>}
            {latest?.created_at && (
              <span className="latest-correction">
                {' '}
                (latest correction {new Date(latest.created_at).toLocaleString()}
                {latest.author && <> by {latest.author}</>})
              </span>
            )}
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
        <div className="image-col">
          <div className="box-tools" role="toolbar" aria-label="Boxes">
            <button ref={addButton} type="button" className="small" aria-pressed={adding || newBox !== null} onClick={toggleAdding}>
              {adding || newBox ? 'Cancel adding' : 'Add line'}
            </button>
            {changes > 0 && (
              <>
                <button type="button" className="small primary" onClick={() => void save()} disabled={saving}>
                  {saving ? 'Saving…' : `Save changes (${changes})`}
                </button>
                <button type="button" className="small" onClick={() => change(emptyDraft)} disabled={saving}>
                  Discard changes
                </button>
              </>
            )}
            <span className="hint box-hint" aria-live="polite">
              {adding
                ? 'Drag over the image to draw the new line’s box.'
                : 'Select a box to move it or drag its corners; “Not text” removes a line.'}
            </span>
          </div>
          {newBox && <NewLineForm onAdd={addNew} onCancel={cancelNew} />}
          {saveError && (
            <p className="line-error" role="alert">
              Not saved: {saveError}
            </p>
          )}
          <ImageOverlay
            src={imageSrc}
            width={result.width}
            height={result.height}
            lines={lines}
            matches={matches}
            activeIndex={active}
            selectedIndex={selected}
            onHover={setHovered}
            onSelect={select}
            onMoveBox={(index, points) => change(moveBox(draft, index, points))}
            adding={adding}
            onDrawBox={(points) => {
              setAdding(false)
              setNewBox(points)
            }}
          />
        </div>
        <div className="panel">
          <div className="section-head">
            <h3>Lines</h3>
            <span className="legend">
              <span className="badge badge-low">low confidence</span> below 60%
            </span>
          </div>
          <LineList
            lines={lines}
            matches={matches}
            activeIndex={active}
            selectedIndex={selected}
            onHover={setHovered}
            onSelect={select}
            onSave={saveLine}
            onDelete={(index) => change(deleteLine(draft, index))}
            onRestore={(index) => change(restoreLine(draft, index))}
          />
          <FullText view={view} activeIndex={active} onHover={setHovered} onSelect={select} onSave={onCorrectText} />
        </div>
      </div>
    </section>
  )
}

/** The text of a box just drawn; Add puts the line into the unsaved changes. */
function NewLineForm({ onAdd, onCancel }: { onAdd: (text: string) => void; onCancel: () => void }) {
  const [text, setText] = useState('')
  function submit(event: FormEvent) {
    event.preventDefault()
    if (text.trim()) onAdd(text)
  }
  return (
    <form className="line-edit new-line" onSubmit={submit}>
      <input
        aria-label="Text of the new line"
        placeholder="Text of the new line"
        value={text}
        autoFocus
        onChange={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => e.key === 'Escape' && onCancel()}
      />
      <button type="submit" className="primary small" disabled={!text.trim()}>
        Add
      </button>
      <button type="button" className="small" onClick={onCancel}>
        Cancel
      </button>
    </form>
  )
}
