import type { ResultSummary } from '../api/client'

interface Props {
  items: ResultSummary[]
  currentId: string | null
  loading: boolean
  error: string | null
  hasMore: boolean
  onOpen: (requestId: string) => void
  onRefresh: () => void
  onLoadMore: () => void
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim()) ?? ''
  return line.length > 60 ? `${line.slice(0, 57)}…` : line
}

/** Recent results (GET /v1/ocr), newest first; each one can be opened again. */
export function RecentList({ items, currentId, loading, error, hasMore, onOpen, onRefresh, onLoadMore }: Props) {
  return (
    <nav className="recent" aria-labelledby="recent-title">
      <div className="section-head">
        <h2 id="recent-title">Recent results</h2>
        <button type="button" className="small" onClick={onRefresh} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      {error && <p className="recent-error">{error}</p>}
      {items.length === 0 && !loading && !error && <p className="empty">No results yet.</p>}
      <ul>
        {items.map((item) => (
          <li key={item.request_id}>
            <button
              type="button"
              className="recent-item"
              data-request-id={item.request_id}
              aria-current={item.request_id === currentId ? 'true' : undefined}
              onClick={() => onOpen(item.request_id)}
            >
              <span className="recent-text">{firstLine(item.text) || <em>(no text)</em>}</span>
              <span className="recent-meta">
                {item.created_at ? new Date(item.created_at).toLocaleString() : 'just now'}
                {item.width && item.height ? ` · ${item.width}×${item.height}` : ''}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {hasMore && (
        <button type="button" className="small" onClick={onLoadMore} disabled={loading}>
          Load more
        </button>
      )}
    </nav>
  )
}
