import { useEffect, useMemo, useRef, useState, type FormEvent, type MouseEvent } from 'react'

import type { Correction, ExportFormat, LineCorrectionIn } from '../api/client'
import {
  addLine, deleteLine, draftCorrection, draftLines, draftSize, emptyDraft, isAdded, moveBox, restoreLine, setAddedText, type BoxDraft,
} from '../lib/boxEdits'
import { buildView, latestCorrection, nextLineIndex, type ResultLike, type ResultView as TextView } from '../lib/corrections'
import { EXPORTS } from '../lib/exports'
import { rectPoints, type Point } from '../lib/geometry'
import { addedLinesPage, pageOfLine, resultPages } from '../lib/pages'
import { usePageImage, type PageImageLoader } from '../lib/usePageImage'
import { FullText } from './FullText'
import { ImageOverlay } from './ImageOverlay'
import { LineList } from './LineList'
import { PageSwitcher } from './PageSwitcher'

export interface OpenResult extends ResultLike {
  request_id: string
  created_at?: string | null
  corrections: Correction[]
}

interface Props {
  result: OpenResult
  /** The image of a one-page result (null: not stored any more). */
  imageSrc: string | null
  /** Given for a document (a PDF, a TIFF): each page's image is fetched when its page is shown. */
  pageImage?: PageImageLoader
  /** Indexes of the lines that matched the search the result was opened from. */
  matches?: number[]
  onCorrectLine: (index: number, text: string) => Promise<void>
  onCorrectText: (text: string) => Promise<void>
  /** Saves moved, deleted and added lines as one correction. */
  onCorrectBoxes: (lines: LineCorrectionIn[]) => Promise<void>
  onCopy: (text: string) => void
  onDownload: () => void
  /** Downloads the stored result in an export format (corrections applied by the gateway). */
  onExport?: (format: ExportFormat) => void
}

/** One result: the image with its boxes beside the lines and the full text, all linked. A document of
 * several pages is shown page by page, each with its image, boxes, lines and text. */
export function ResultView({
  result, imageSrc, pageImage, matches = [], onCorrectLine, onCorrectText, onCorrectBoxes, onCopy, onDownload, onExport,
}: Props) {
  const view = useMemo(() => buildView(result), [result])
  const pages = useMemo(() => resultPages(result), [result])
  const multi = pages.length > 1
  const firstMatch = matches.length ? Math.min(...matches) : null
  const [pageNumber, setPageNumber] = useState(() => (firstMatch === null ? 1 : pageOfLine(pages, firstMatch)))
  const page = pages[Math.min(pageNumber, pages.length) - 1]
  const shownImage = usePageImage(pageImage, page.number)
  // New lines are stored after every line, so they belong to the page of the last one (lib/pages.ts).
  const addPage = addedLinesPage(pages)
  const canAdd = !multi || page.number === addPage
  const [hovered, setHovered] = useState<number | null>(null)
  const [selected, setSelected] = useState<number | null>(null)
  // Box changes not saved yet, the box being added (drawn, waiting for its text), saving.
  const [draft, setDraft] = useState<BoxDraft>(emptyDraft)
  const [adding, setAdding] = useState(false)
  const [newBox, setNewBox] = useState<Point[] | null>(null)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState<string | null>(null)
  const addButton = useRef<HTMLButtonElement>(null)
  const allLines = useMemo(() => draftLines(view.lines, draft), [view, draft])
  const onPage = (index: number, linePage?: number) => !multi || (linePage ?? pageOfLine(pages, index)) === page.number
  const lines = multi ? allLines.filter((l) => onPage(l.index, l.page)) : allLines
  const pageView = useMemo(() => (multi ? pageText(view, pages.length, page.number) : view), [multi, view, pages.length, page.number])
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

  // Opened again from another search hit: go to the page of its first matching line.
  const pagesRef = useRef(pages)
  pagesRef.current = pages
  useEffect(() => {
    if (firstMatch !== null) setPageNumber(pageOfLine(pagesRef.current, firstMatch))
  }, [firstMatch])

  function showPage(n: number) {
    setPageNumber(n)
    setHovered(null)
    setSelected(null)
    setAdding(false)
    setNewBox(null)
  }

  // The text of one page is corrected line by line: the whole-text correction is the whole document's.
  async function savePageText(text: string) {
    const texts = text.replace(/\n$/, '').split('\n')
    if (texts.length !== pageView.lines.length) {
      const n = pageView.lines.length
      throw new Error(`this page has ${n} ${n === 1 ? 'line' : 'lines'}: keep one line of text for each (boxes add or remove lines)`)
    }
    const changed = pageView.lines.flatMap((l, i) => (texts[i] !== l.text ? [{ index: l.index, text: texts[i], deleted: false }] : []))
    if (changed.length) await onCorrectBoxes(changed)
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
      const [w, h] = [page.width, page.height]
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
            {multi && <>{pages.length} pages · </>}
            {view.lines.length} {view.lines.length === 1 ? 'line' : 'lines'}
            {!multi && <> · {result.width}×{result.height} px</>}
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
          <div className="downloads" role="group" aria-label="Downloads">
            <span className="downloads-label" aria-hidden="true">
              Download
            </span>
            <button type="button" aria-label="Download JSON" onClick={onDownload}>
              JSON
            </button>
            {onExport &&
              EXPORTS.map((e) => (
                <button key={e.format} type="button" aria-label={`Download ${e.name}`} onClick={() => onExport(e.format)}>
                  {e.button}
                </button>
              ))}
          </div>
        </div>
      </div>
      {multi && <PageSwitcher page={page.number} count={pages.length} onChange={showPage} />}
      <div className="result-body">
        <div className="image-col">
          <div className="box-tools" role="toolbar" aria-label="Boxes">
            <button
              ref={addButton}
              type="button"
              className="small"
              aria-pressed={adding || newBox !== null}
              disabled={!canAdd}
              title={canAdd ? undefined : `New lines go after the last line: add them on page ${addPage}`}
              onClick={toggleAdding}
            >
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
                : canAdd
                  ? 'Select a box to move it or drag its corners; “Not text” removes a line.'
                  : `Select a box to move it or drag its corners; new lines are added on page ${addPage}.`}
            </span>
          </div>
          {newBox && <NewLineForm onAdd={addNew} onCancel={cancelNew} />}
          {saveError && (
            <p className="line-error" role="alert">
              Not saved: {saveError}
            </p>
          )}
          <ImageOverlay
            src={shownImage ? shownImage.src : imageSrc}
            alt={multi ? `Page ${page.number} of the upload` : undefined}
            placeholder={
              shownImage?.state === 'loading'
                ? `Loading the image of page ${page.number}…`
                : shownImage?.state === 'failed'
                  ? `The image of page ${page.number} could not be loaded. ${shownImage.message}`
                  : undefined
            }
            width={page.width}
            height={page.height}
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
          {multi ? (
            <FullText
              key={page.number}
              view={pageView}
              title={`Text of page ${page.number}`}
              editLabel="Edit page text"
              activeIndex={active}
              onHover={setHovered}
              onSelect={select}
              onSave={savePageText}
            />
          ) : (
            <FullText view={view} activeIndex={active} onHover={setHovered} onSelect={select} onSave={onCorrectText} />
          )}
        </div>
      </div>
    </section>
  )
}

/** One page's part of a document's view: its lines, and its part of a whole-text correction when that is
 * the newest and still has a part per page (form feeds between pages), else its lines' text. */
function pageText(view: TextView, pageCount: number, number: number): TextView {
  const lines = view.lines.filter((l) => (l.page ?? 1) === number)
  const parts = view.textCorrected ? view.text.split('\f') : []
  if (parts.length === pageCount) return { lines, text: parts[number - 1].replace(/\n$/, ''), textCorrected: true }
  return { lines, text: lines.map((l) => l.text).join('\n'), textCorrected: false }
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
