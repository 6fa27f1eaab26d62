import { useEffect, useRef, useState, type FormEvent } from 'react'

import type { ViewLine } from '../lib/corrections'

interface Props {
  lines: ViewLine[]
  /** Lines that matched a search. */
  matches?: number[]
  activeIndex: number | null
  selectedIndex: number | null
  onHover: (index: number | null) => void
  onSelect: (index: number) => void
  onSave: (index: number, text: string) => Promise<void>
  /** "Not text": marks the line deleted (saved with the other box changes). */
  onDelete?: (index: number) => void
  /** Takes back a "Not text" that is not saved yet. */
  onRestore?: (index: number) => void
}

export function percent(confidence: number): string {
  return `${Math.round(confidence * 100)}%`
}

/** "corrected on <time> by <author>", as far as they are known. */
export function correctedNote(line: ViewLine): string {
  const when = line.correctedAt ? ` on ${new Date(line.correctedAt).toLocaleString()}` : ''
  const who = line.correctedBy ? ` by ${line.correctedBy}` : ''
  return `${line.added ? 'added' : 'corrected'}${when}${who}`
}

interface RowProps extends Omit<Props, 'lines' | 'matches'> {
  line: ViewLine
  matched: boolean
}

function LineRow({ line, matched, activeIndex, selectedIndex, onHover, onSelect, onSave, onDelete, onRestore }: RowProps) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(line.text)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const row = useRef<HTMLLIElement>(null)
  const editButton = useRef<HTMLButtonElement>(null)
  const deleteButton = useRef<HTMLButtonElement>(null)
  const restoreButton = useRef<HTMLButtonElement>(null)
  const deleted = line.draft === 'deleted'
  const selected = line.index === selectedIndex
  const active = line.index === activeIndex
  const n = line.index + 1

  useEffect(() => {
    if (selected) row.current?.scrollIntoView?.({ block: 'nearest', behavior: 'smooth' })
  }, [selected])

  function startEdit() {
    setDraft(line.text)
    setError(null)
    setEditing(true)
  }

  function cancel() {
    setEditing(false)
    setError(null)
    requestAnimationFrame(() => editButton.current?.focus())
  }

  async function save(event: FormEvent) {
    event.preventDefault()
    if (draft === line.text) {
      cancel()
      return
    }
    setSaving(true)
    setError(null)
    try {
      await onSave(line.index, draft)
      setEditing(false)
      requestAnimationFrame(() => editButton.current?.focus())
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setSaving(false)
    }
  }

  // The focus follows a "Not text" to its "Restore" and back, so the keyboard keeps its place.
  function remove() {
    onDelete?.(line.index)
    requestAnimationFrame(() => restoreButton.current?.focus())
  }

  function restore() {
    onRestore?.(line.index)
    requestAnimationFrame(() => deleteButton.current?.focus())
  }

  const warn = line.low && !line.corrected && !deleted // a person has checked a corrected line
  const classes = ['line', warn ? 'low' : '', line.corrected ? 'corrected' : '', line.draft ? `draft draft-${line.draft}` : '',
    matched ? 'match' : '', active ? 'active' : '', selected ? 'selected' : '']
  const confidence = line.confidence === null ? 'added by a person' : `confidence ${percent(line.confidence)}${line.low ? ', low' : ''}`
  const pending = { moved: ', box moved, not saved yet', added: ', new, not saved yet', deleted: ', not text, not saved yet' }
  return (
    <li ref={row} className={classes.filter(Boolean).join(' ')} data-index={line.index}>
      {editing ? (
        <form className="line-edit" onSubmit={save}>
          <span className="line-no" aria-hidden="true">
            {n}
          </span>
          <input
            id={`line-input-${line.index}`}
            aria-label={`Text of line ${n}`}
            value={draft}
            autoFocus
            disabled={saving}
            onChange={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Escape' && cancel()}
          />
          <button type="submit" className="primary" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button type="button" onClick={cancel} disabled={saving}>
            Cancel
          </button>
          {error && (
            <p className="line-error" role="alert">
              Not saved: {error}
            </p>
          )}
        </form>
      ) : (
        <>
          <button
            type="button"
            className="line-main"
            aria-pressed={selected}
            aria-label={`Line ${n}: ${line.text || 'empty'}; ${confidence}${line.corrected ? `, ${correctedNote(line)}` : ''}${line.draft ? pending[line.draft] : ''}${matched ? ', matches the search' : ''}`}
            onMouseEnter={() => onHover(line.index)}
            onMouseLeave={() => onHover(null)}
            onFocus={() => onHover(line.index)}
            onBlur={() => onHover(null)}
            onClick={() => onSelect(line.index)}
            onKeyDown={(e) => {
              if ((e.key === 'e' || e.key === 'F2') && !deleted) {
                e.preventDefault()
                startEdit()
              } else if (e.key === 'Delete' && onDelete && !deleted) {
                e.preventDefault()
                onDelete(line.index)
              }
            }}
          >
            <span className="line-no" aria-hidden="true">
              {n}
            </span>
            <span className="line-text">{line.text || <em>(empty)</em>}</span>
          </button>
          <span className="line-meta">
            {line.confidence !== null && (
              <span className={`conf${line.low ? ' low' : ''}`} title="How sure the model is">
                {percent(line.confidence)}
              </span>
            )}
            {warn && <span className="badge badge-low">low confidence</span>}
            {matched && <span className="badge badge-match">match</span>}
            {line.draft === 'moved' && <span className="badge badge-draft">box moved</span>}
            {line.draft === 'added' && <span className="badge badge-draft">new</span>}
            {deleted && <span className="badge badge-deleted">not text</span>}
            {line.corrected && !line.draft && (
              <span
                className="badge badge-corrected"
                title={`${line.added ? 'Added by a person' : `Read as: ${line.originalText}`}; ${correctedNote(line)}`}
              >
                {line.added ? 'added' : line.moved ? 'box corrected' : 'corrected'}
              </span>
            )}
            {!deleted && (
              <button ref={editButton} type="button" className="small" aria-label={`Edit line ${n}`} onClick={startEdit}>
                Edit
              </button>
            )}
            {onDelete && !deleted && (
              <button ref={deleteButton} type="button" className="small" aria-label={`Not text: delete line ${n}`} onClick={remove}>
                Not text
              </button>
            )}
            {onRestore && deleted && (
              <button ref={restoreButton} type="button" className="small" aria-label={`Restore line ${n}`} onClick={restore}>
                Restore
              </button>
            )}
          </span>
        </>
      )}
    </li>
  )
}

/** The read lines, each focusable, linked to its box on the image, and editable. */
export function LineList({ lines, matches = [], ...rest }: Props) {
  if (lines.length === 0) return <p className="empty">No text lines were found in this image.</p>
  return (
    <ol className="lines" aria-label="Detected lines">
      {lines.map((line) => (
        <LineRow key={line.index} line={line} matched={matches.includes(line.index)} {...rest} />
      ))}
    </ol>
  )
}
