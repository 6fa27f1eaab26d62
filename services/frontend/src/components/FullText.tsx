import { useState, type FormEvent } from 'react'

import type { ResultView } from '../lib/corrections'

interface Props {
  view: ResultView
  activeIndex: number | null
  onHover: (index: number | null) => void
  onSelect: (index: number) => void
  onSave: (text: string) => Promise<void>
  /** The heading ("Full text"; a document's page: "Text of page 2") and the edit button's text. */
  title?: string
  editLabel?: string
}

/** The whole text, line by line (each linked to its box), editable as one correction. */
export function FullText({ view, activeIndex, onHover, onSelect, onSave, title = 'Full text', editLabel = 'Edit full text' }: Props) {
  const [editing, setEditing] = useState(false)
  const [draft, setDraft] = useState(view.text)
  const [saving, setSaving] = useState(false)
  const [error, setError] = useState<string | null>(null)

  async function save(event: FormEvent) {
    event.preventDefault()
    if (draft === view.text) {
      setEditing(false)
      return
    }
    setSaving(true)
    setError(null)
    try {
      await onSave(draft)
      setEditing(false)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setSaving(false)
    }
  }

  return (
    <section className="fulltext" aria-labelledby="fulltext-title">
      <div className="section-head">
        <h3 id="fulltext-title">
          {title} {view.textCorrected && <span className="badge badge-corrected">corrected</span>}
        </h3>
        {!editing && (
          <button
            type="button"
            className="small"
            onClick={() => {
              setDraft(view.text)
              setError(null)
              setEditing(true)
            }}
          >
            {editLabel}
          </button>
        )}
      </div>
      {editing ? (
        <form onSubmit={save} className="fulltext-edit">
          <label htmlFor="fulltext-input" className="visually-hidden">
            {title}
          </label>
          <textarea
            id="fulltext-input"
            value={draft}
            rows={Math.min(20, Math.max(4, draft.split('\n').length + 1))}
            disabled={saving}
            autoFocus
            onChange={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          />
          <div className="row">
            <button type="submit" className="primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save correction'}
            </button>
            <button type="button" onClick={() => setEditing(false)} disabled={saving}>
              Cancel
            </button>
          </div>
          {error && (
            <p className="line-error" role="alert">
              Not saved: {error}
            </p>
          )}
        </form>
      ) : view.textCorrected ? (
        <pre className="text">{view.text}</pre>
      ) : (
        <pre className="text" onMouseLeave={() => onHover(null)}>
          {view.lines.map((line) => (
            <span
              key={line.index}
              data-index={line.index}
              className={`text-line${line.index === activeIndex ? ' active' : ''}`}
              onMouseEnter={() => onHover(line.index)}
              onClick={() => onSelect(line.index)}
            >
              {line.text}
              {'\n'}
            </span>
          ))}
        </pre>
      )}
    </section>
  )
}
