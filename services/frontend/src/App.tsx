import { useCallback, useEffect, useRef, useState } from 'react'

import { credential, watchUnauthorized } from './api/auth'
import {
  ApiError, createApi, type Api, type Correction, type CorrectionIn, type ExportFormat, type ResultSummary,
} from './api/client'
import { describeError } from './api/errors'
import { API_BASE, NOT_STORED_RETRIES, NOT_STORED_RETRY_MS } from './config'
import { copyText, downloadBlob, downloadJson } from './lib/browser'
import { buildView } from './lib/corrections'
import { exportKind } from './lib/exports'
import { documentKind, isDocument } from './lib/pages'
import type { PageImageLoader } from './lib/usePageImage'
import { prepareUpload } from './lib/resize'
import { RecentList } from './components/RecentList'
import { ResultView, type OpenResult } from './components/ResultView'
import { SearchPanel } from './components/SearchPanel'
import { SignIn } from './components/SignIn'
import { StatusBar, type Status } from './components/StatusBar'
import { Uploader } from './components/Uploader'

const HASH = /^#\/result\/([0-9a-fA-F-]{36})$/

export function resultIdFromHash(hash: string): string | null {
  return HASH.exec(hash)?.[1] ?? null
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface AppProps {
  api?: Api
  /** Waits between reads of a result that is not stored yet (tests shorten it). */
  retryMs?: number
}

export function App({ api: givenApi, retryMs = NOT_STORED_RETRY_MS }: AppProps) {
  // With authentication on, a 401 from any call asks for a key or token (again); with it off none comes.
  const [signIn, setSignIn] = useState<null | 'needed' | 'rejected'>(null)
  const [signedIn, setSignedIn] = useState(() => credential.get() !== null)
  const [api] = useState<Api>(() =>
    watchUnauthorized(givenApi ?? createApi(API_BASE, undefined, credential.get), (err) => {
      credential.clear()
      setSignedIn(false)
      setSignIn(err.code === 'invalid_token' ? 'rejected' : 'needed')
    }),
  )
  const [status, setStatus] = useState<Status>({ kind: 'idle' })
  const [result, setResult] = useState<OpenResult | null>(null)
  const [imageSrc, setImageSrc] = useState<string | null>(null)
  // A document (PDF, TIFF) is shown from the gateway's page images: an <img> cannot show the upload.
  const [pagedImages, setPagedImages] = useState(false)
  const [recent, setRecent] = useState<ResultSummary[]>([])
  const [recentLoading, setRecentLoading] = useState(false)
  const [recentError, setRecentError] = useState<string | null>(null)
  const [nextCursor, setNextCursor] = useState<string | null>(null)
  // Lines of the open result that matched the search it was opened from.
  const [matches, setMatches] = useState<number[]>([])
  const running = useRef<AbortController | null>(null)
  const objectUrl = useRef<string | null>(null)
  const busy = status.kind === 'busy'

  const showImage = useCallback((src: string | null, isObjectUrl: boolean) => {
    if (objectUrl.current) URL.revokeObjectURL(objectUrl.current)
    objectUrl.current = isObjectUrl ? src : null
    setImageSrc(src)
  }, [])

  const begin = useCallback((message: string) => {
    running.current?.abort()
    const controller = new AbortController()
    running.current = controller
    setStatus({ kind: 'busy', message, since: Date.now() })
    return controller
  }, [])

  /** `read`, again while it answers 404: results are stored asynchronously, a just-made one can need a moment. */
  const whenStored = useCallback(
    async <T,>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await read()
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404) || attempt >= NOT_STORED_RETRIES) throw err
          await sleep(retryMs)
          if (signal?.aborted) throw err
        }
      }
    },
    [retryMs],
  )

  const fail = useCallback((controller: AbortController, err: unknown) => {
    if (running.current !== controller) return // a newer action took over
    setStatus(controller.signal.aborted ? { kind: 'done', message: 'Cancelled.' } : { kind: 'error', error: describeError(err) })
  }, [])

  const loadRecent = useCallback(
    async (cursor: string | null = null) => {
      setRecentLoading(true)
      setRecentError(null)
      try {
        const page = await api.listResults(cursor)
        setRecent((items) => {
          if (cursor) return [...items, ...page.items.filter((i) => !items.some((o) => o.request_id === i.request_id))]
          // Keep results made in this page that the store has not written yet (created_at null).
          const pending = items.filter((o) => o.created_at === null && !page.items.some((i) => i.request_id === o.request_id))
          return [...pending, ...page.items]
        })
        setNextCursor(page.next_cursor ?? null)
      } catch (err) {
        setRecentError(`Could not load recent results. ${describeError(err).message}`)
      } finally {
        setRecentLoading(false)
      }
    },
    [api],
  )

  useEffect(() => {
    void loadRecent()
  }, [loadRecent])

  const handleFile = useCallback(
    async (file: Blob, name: string) => {
      const controller = begin('Preparing the image…')
      try {
        const upload = await prepareUpload(file, name)
        setStatus({ kind: 'busy', message: 'Reading the text…', since: Date.now() })
        const r = await api.ocr(upload.blob, upload.filename, controller.signal)
        if (running.current !== controller) return
        const paged = isDocument(r) || upload.document !== undefined
        setPagedImages(paged)
        showImage(paged ? null : URL.createObjectURL(upload.blob), !paged)
        setResult({ ...r, created_at: new Date().toISOString(), corrections: [] })
        setMatches([])
        history.replaceState(null, '', `#/result/${r.request_id}`)
        const n = r.lines.length
        setStatus({ kind: 'done', message: `Done: ${n} ${n === 1 ? 'line' : 'lines'} read.` })
        // Shown at once; the store writes it a moment later (created_at null marks it as pending).
        setRecent((items) => [
          { request_id: r.request_id, created_at: null, width: r.width, height: r.height, text: r.text },
          ...items.filter((i) => i.request_id !== r.request_id),
        ])
        running.current = null
      } catch (err) {
        fail(controller, err)
      }
    },
    [api, begin, fail, showImage],
  )

  const openResult = useCallback(
    async (requestId: string, matching: number[] = []) => {
      const controller = begin('Opening the result…')
      try {
        const stored = await whenStored(() => api.getResult(requestId, controller.signal), controller.signal)
        // Fetched with the credentials (an <img src> could not send them), shown from an object URL; a document's
        // pages are fetched one by one as they are shown.
        let paged = stored.image_available && isDocument(stored)
        let image = stored.image_available && !paged ? await api.image(requestId, controller.signal) : null
        if (image && (await documentKind(image)) !== null) {
          paged = true // a one-page TIFF: the browser cannot show it either
          image = null
        }
        if (running.current !== controller) return
        setPagedImages(paged)
        showImage(image ? URL.createObjectURL(image) : null, image !== null)
        setResult({ ...stored, corrections: stored.corrections ?? [] })
        setMatches(matching)
        if (resultIdFromHash(location.hash) !== requestId) history.replaceState(null, '', `#/result/${requestId}`)
        const n = stored.lines.length
        const found = matching.length ? `; ${matching.length} ${matching.length === 1 ? 'matches' : 'match'} the search` : ''
        setStatus({ kind: 'done', message: `Opened a result with ${n} ${n === 1 ? 'line' : 'lines'}${found}.` })
        running.current = null
      } catch (err) {
        fail(controller, err)
      }
    },
    [api, begin, fail, showImage, whenStored],
  )

  const rid = result?.request_id ?? null
  const pageImage = useCallback<PageImageLoader>(
    (page, signal) => whenStored(() => api.pageImage(rid as string, page, signal), signal),
    [api, rid, whenStored],
  )

  // A link to #/result/<id> opens that result, on load and when the hash changes.
  useEffect(() => {
    const open = () => {
      const id = resultIdFromHash(location.hash)
      if (id) void openResult(id)
    }
    open()
    window.addEventListener('hashchange', open)
    return () => window.removeEventListener('hashchange', open)
  }, [openResult])

  const addCorrection = useCallback(
    async (body: CorrectionIn, done: string) => {
      if (!result) return
      const rid = result.request_id
      let ack
      try {
        ack = await api.correct(rid, body)
      } catch (err) {
        throw new Error(describeError(err).message)
      }
      setResult((r) => {
        if (!r || r.request_id !== rid) return r
        // Local corrections are the newest: never older than one the server already has.
        const latest = Math.max(Date.now(), ...r.corrections.map((c) => (c.created_at ? Date.parse(c.created_at) + 1 : 0)))
        const createdAt = new Date(latest).toISOString()
        const added: Correction[] = body.lines
          ? body.lines.map((l) => ({
              id: ack.correction_id, text: l.text, line_index: l.index, points: l.points ?? null, deleted: l.deleted, created_at: createdAt,
            }))
          : [{ id: ack.correction_id, text: body.text ?? '', line_index: null, deleted: false, created_at: createdAt }]
        return { ...r, corrections: [...r.corrections, ...added] }
      })
      setStatus({ kind: 'done', message: done })
    },
    [api, result],
  )

  const copy = useCallback(async (text: string) => {
    try {
      await copyText(text)
      setStatus({ kind: 'done', message: 'Text copied to the clipboard.' })
    } catch (err) {
      setStatus({ kind: 'error', error: { code: 'copy_failed', message: 'The text could not be copied.', detail: String(err) } })
    }
  }, [])

  const download = useCallback(() => {
    if (!result) return
    const view = buildView(result)
    downloadJson(
      {
        request_id: result.request_id,
        created_at: result.created_at ?? null,
        width: result.width,
        height: result.height,
        text: view.text,
        ...(result.pages && result.pages.length > 1
          ? { pages: result.pages.map(({ page, width, height, dpi, rotation }) => ({ page, width, height, dpi, rotation })) }
          : {}),
        lines: view.lines.map((l) => ({
          index: l.index,
          ...(result.pages && result.pages.length > 1 ? { page: l.page ?? 1 } : {}),
          points: l.points,
          text: l.text,
          confidence: l.confidence,
          corrected: l.corrected,
          added: l.added,
          original_text: l.originalText,
        })),
        corrections: result.corrections,
      },
      `ocr-${result.request_id}.json`,
    )
    setStatus({ kind: 'done', message: 'JSON downloaded.' })
  }, [result])

  // Fetched with the credentials (a plain link could not send them) and saved from an object URL.
  const exportAs = useCallback(
    async (format: ExportFormat) => {
      if (!rid) return
      const kind = exportKind(format)
      const controller = begin(`Preparing the ${kind.name} download…`)
      try {
        const blob = await whenStored(() => api.exportResult(rid, format, controller.signal), controller.signal)
        if (running.current !== controller) return
        downloadBlob(blob, `ocr-${rid}.${kind.extension}`)
        setStatus({ kind: 'done', message: `${kind.name} downloaded.` })
        running.current = null
      } catch (err) {
        fail(controller, err)
      }
    },
    [api, begin, fail, rid, whenStored],
  )

  const signInWith = useCallback(
    (value: string) => {
      credential.set(value)
      setSignedIn(true)
      setSignIn(null)
      setStatus({ kind: 'idle' })
      void loadRecent()
      const id = resultIdFromHash(location.hash)
      if (id) void openResult(id)
    },
    [loadRecent, openResult],
  )

  const signOut = useCallback(() => {
    credential.clear()
    setSignedIn(false)
    running.current?.abort()
    running.current = null
    setResult(null)
    showImage(null, false)
    setRecent([])
    setStatus({ kind: 'idle' })
    void loadRecent() // with authentication on, its 401 shows the sign-in
  }, [loadRecent, showImage])

  return (
    <div className="app">
      <header className="topbar">
        <a
          className="brand"
          href="#/"
          onClick={(e) => {
            e.preventDefault()
            running.current?.abort()
            running.current = null
            history.replaceState(null, '', location.pathname + location.search)
            setResult(null)
            showImage(null, false)
            setStatus({ kind: 'idle' })
          }}
        >
          <span className="logo" aria-hidden="true" />
          ocrmesh
        </a>
        <nav aria-label="Links">
          <a href="portal/">API docs</a>
          {signedIn && (
            <button type="button" className="small sign-out" onClick={signOut}>
              Sign out
            </button>
          )}
        </nav>
      </header>
      {signIn ? (
        <main className="sign-in-page">
          <SignIn rejected={signIn === 'rejected'} onSignIn={signInWith} />
        </main>
      ) : (
        <main className="layout">
          <div className="main-col">
            <Uploader onFile={handleFile} disabled={busy} />
            <StatusBar status={status} onCancel={busy ? () => running.current?.abort() : undefined} />
            {result && (
              <ResultView
                key={result.request_id}
                result={result}
                imageSrc={imageSrc}
                pageImage={pagedImages ? pageImage : undefined}
                matches={matches}
                onCorrectLine={(index, text) => addCorrection({ lines: [{ index, text, deleted: false }] }, `Correction of line ${index + 1} saved.`)}
                onCorrectText={(text) => addCorrection({ text }, 'Correction of the full text saved.')}
                onCorrectBoxes={(lines) =>
                  addCorrection({ lines }, `Changes to ${lines.length} ${lines.length === 1 ? 'line' : 'lines'} saved.`)
                }
                onCopy={copy}
                onDownload={download}
                onExport={(format) => void exportAs(format)}
              />
            )}
          </div>
          <aside className="side">
            <SearchPanel api={api} currentId={result?.request_id ?? null} onOpen={(id, lines) => void openResult(id, lines)} />
            <RecentList
              items={recent}
              currentId={result?.request_id ?? null}
              loading={recentLoading}
              error={recentError}
              hasMore={nextCursor !== null}
              onOpen={(id) => void openResult(id)}
              onRefresh={() => void loadRecent()}
              onLoadMore={() => void loadRecent(nextCursor)}
            />
          </aside>
        </main>
      )}
    </div>
  )
}
