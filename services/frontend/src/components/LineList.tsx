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
}

export function percent(confidence: number): string {
  return `${Math.round(confidence * 100)}%`
}

interface RowProps extends Omit<Props, 'lines' | 'matches'> {
  line: ViewLine
  matched: boolean
}

function LineRow({ line, matched, activeIndex, selectedIndex, onHover, onSelect, onSave }: RowProps) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(line.text)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const row = useRef<HTMLLIElement>(null)
  const editButton = useRef<HTMLButtonElement>(null)
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

  const warn = line.low && !line.corrected // a person has checked a corrected line
  const classes = ['line', warn ? 'low' : '', line.corrected ? 'corrected' : '', matched ? 'match' : '', active ? 'active' : '',
    selected ? 'selected' : '']
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
            aria-label={`Line ${n}: ${line.text || 'empty'}; confidence ${percent(line.confidence)}${line.low ? ', low' : ''}${line.corrected ? ', corrected' : ''}${matched ? ', matches the search' : ''}`}
            onMouseEnter={() => onHover(line.index)}
            onMouseLeave={() => onHover(null)}
            onFocus={() => onHover(line.index)}
            onBlur={() => onHover(null)}
            onClick={() => onSelect(line.index)}
            onKeyDown={(e) => {
              if (e.key === 'e' || e.key === 'F2') {
                e.preventDefault()
                startEdit()
              }
            }}
          >
            <span className="line-no" aria-hidden="true">
              {n}
            </span>
            <span className="line-text">{line.text || <em>(empty)</em>}</span>
          </button>
          <span className="line-meta">
            <span className={`conf${line.low ? ' low' : ''}`} title="How sure the model is">
              {percent(line.confidence)}
            </span>
            {warn && <span className="badge badge-low">low confidence</span>}
            {matched && <span className="badge badge-match">match</span>}
            {line.corrected && (
              <span className="badge badge-corrected" title={`Read as: ${line.originalText}`}>
                corrected
              </span>
            )}
            <button ref={editButton} type="button" className="small" aria-label={`Edit line ${n}`} onClick={startEdit}>
              Edit
            </button>
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
