interface Props {
  /** 1-based. */
  page: number
  count: number
  onChange: (page: number) => void
}

/** Previous / next through a document's pages, with where one is ("Page 2 of 5"). */
export function PageSwitcher({ page, count, onChange }: Props) {
  return (
    <nav className="page-switcher" aria-label="Pages">
      <button type="button" className="small" disabled={page <= 1} onClick={() => onChange(page - 1)}>
        <span aria-hidden="true">‹ </span>Previous page
      </button>
      <span className="page-of" aria-live="polite">
        Page {page} of {count}
      </span>
      <button type="button" className="small" disabled={page >= count} onClick={() => onChange(page + 1)}>
        Next page<span aria-hidden="true"> ›</span>
      </button>
    </nav>
  )
}
