import { useRef, useState } from 'react'

import type { Api, SearchHit } from '../api/client'
import { describeError } from '../api/errors'
import { snippetPieces } from '../lib/snippet'

interface Props {
  api: Api
  currentId: string | null
  /** Opens a hit's result with its matching lines (indexes) highlighted. */
  onOpen: (requestId: string, lines: number[]) => void
}

const MAX_QUERY = 256 // the gateway refuses longer queries

/** A search box over the stored results (GET /v1/search); each hit opens its result. */
export function SearchPanel({ api, currentId, onOpen }: Props) {
  const [query, setQuery] = useState('')
  const [searched, setSearched] = useState<string | null>(null) // the query whose hits are listed
  const [hits, setHits] = useState<SearchHit[]>([])
  const [cursor, setCursor] = useState<string | null>(null)
  const [loading, setLoading] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const running = useRef<AbortController | null>(null)

  async function run(q: string, after: string | null = null) {
    running.current?.abort()
    const controller = new AbortController()
    running.current = controller
    setLoading(true)
    setError(null)
    try {
      const page = await api.search(q, after, controller.signal)
      if (running.current !== controller) return
      setHits((shown) => (after ? [...shown, ...page.items] : page.items))
      setCursor(page.next_cursor ?? null)
      setSearched(q)
    } catch (err) {
      if (controller.signal.aborted) return
      const { message, detail, code } = describeError(err)
      setError(code === 'invalid_query' && detail ? `${message} ${detail}` : message)
    } finally {
      if (running.current === controller) setLoading(false)
    }
  }

  function clear() {
    running.current?.abort()
    setQuery('')
    setSearched(null)
    setHits([])
    setCursor(null)
    setError(null)
    setLoading(false)
  }

  return (
    <section className="search" aria-labelledby="search-title">
      <h2 id="search-title">Search</h2>
      <form
        role="search"
        className="search-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (query.trim()) void run(query.trim())
        }}
      >
        <input
          type="search"
          aria-label="Search the text of stored results"
          placeholder='words, "a phrase", -not'
          value={query}
          maxLength={MAX_QUERY}
          onChange={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Escape' && clear()}
        />
        <button type="submit" className="primary" disabled={!query.trim() || loading}>
          {loading ? 'Searching…' : 'Search'}
        </button>
      </form>
      {error && (
        <p className="search-error" role="alert">
          {error}
        </p>
      )}
      {searched !== null && (
        <>
          <div className="section-head">
            <p className="search-count" aria-live="polite">
              {hits.length === 0
                ? `Nothing found for ${searched}.`
                : `${hits.length}${cursor ? '+' : ''} ${hits.length === 1 ? 'result' : 'results'} for ${searched}`}
            </p>
            <button type="button" className="small" onClick={clear}>
              Clear
            </button>
          </div>
          <ul className="hits" aria-label="Search results">
            {hits.map((hit) => (
              <li key={hit.request_id}>
                <button
                  type="button"
                  className="hit"
                  data-request-id={hit.request_id}
                  aria-current={hit.request_id === currentId ? 'true' : undefined}
                  onClick={() => onOpen(hit.request_id, hit.lines.map((l) => l.index))}
                >
                  <span className="hit-snippet">
                    {snippetPieces(hit.snippet, hit.highlights).map((p, i) =>
                      p.marked ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>,
                    )}
                  </span>
                  <span className="recent-meta">
                    {new Date(hit.created_at).toLocaleString()} · {hit.lines.length}{' '}
                    {hit.lines.length === 1 ? 'matching line' : 'matching lines'}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {cursor && (
            <button type="button" className="small" onClick={() => void run(searched, cursor)} disabled={loading}>
              More results
            </button>
          )}
        </>
      )}
    </section>
  )
}
