/**
 * The image of one page of a document, fetched from the gateway (GET /v1/ocr/{id}/pages/{n}/image, with
 * the credentials: an <img src> could not send them) and shown from an object URL. Pages already seen are
 * kept until the result is closed, so going back and forth fetches each page once.
 */
import { useEffect, useRef, useState } from 'react'

import { describeError } from '../api/errors'

export type PageImageLoader = (page: number, signal: AbortSignal) => Promise<Blob>

export type PageImage =
  | { state: 'loading'; src: null }
  | { state: 'ready'; src: string }
  | { state: 'failed'; src: null; message: string }

export function usePageImage(load: PageImageLoader | undefined, page: number): PageImage | null {
  const urls = useRef(new Map<number, string>())
  const [shown, setShown] = useState<{ page: number; image: PageImage } | null>(null)

  useEffect(() => {
    const cache = urls.current
    return () => {
      for (const url of cache.values()) URL.revokeObjectURL(url)
      cache.clear()
    }
  }, [load])

  useEffect(() => {
    if (!load) return
    const cached = urls.current.get(page)
    if (cached) {
      setShown({ page, image: { state: 'ready', src: cached } })
      return
    }
    const controller = new AbortController()
    setShown({ page, image: { state: 'loading', src: null } })
    load(page, controller.signal).then(
      (blob) => {
        if (controller.signal.aborted) return
        const url = URL.createObjectURL(blob)
        urls.current.set(page, url)
        setShown({ page, image: { state: 'ready', src: url } })
      },
      (err: unknown) => {
        if (controller.signal.aborted) return
        setShown({ page, image: { state: 'failed', src: null, message: describeError(err).message } })
      },
    )
    return () => controller.abort()
  }, [load, page])

  if (!load) return null
  return shown && shown.page === page ? shown.image : { state: 'loading', src: null }
}
