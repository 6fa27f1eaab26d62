import { useEffect, useState } from 'react'

import type { ErrorMessage } from '../api/errors'

export type Status =
  | { kind: 'idle' }
  | { kind: 'busy'; message: string; since: number }
  | { kind: 'done'; message: string }
  | { kind: 'error'; error: ErrorMessage }

interface Props {
  status: Status
  onCancel?: () => void
}

function Elapsed({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000)
    return () => clearInterval(timer)
  }, [])
  const seconds = Math.max(0, Math.floor((now - since) / 1000))
  return seconds >= 2 ? <span className="elapsed"> {seconds} s</span> : null
}

/** Progress and outcome of the last action: a polite live region, and an alert for errors. */
export function StatusBar({ status, onCancel }: Props) {
  return (
    <div className="status-area">
      <div role="status" aria-live="polite" className={`status status-${status.kind}`} data-testid="status">
        {status.kind === 'busy' && (
          <>
            <progress className="progress" aria-label={status.message} />
            <span>{status.message}</span>
            <Elapsed since={status.since} />
            {onCancel && (
              <button type="button" className="small" onClick={onCancel}>
                Cancel
              </button>
            )}
          </>
        )}
        {status.kind === 'done' && <span>{status.message}</span>}
      </div>
      <div role="alert" className="alert-region">
        {status.kind === 'error' && (
          <div className="error" data-code={status.error.code} data-testid="error">
            <strong>{status.error.message}</strong>
            {status.error.detail && <span className="error-detail">Server said: {status.error.detail}</span>}
          </div>
        )}
      </div>
    </div>
  )
}
