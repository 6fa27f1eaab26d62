/**
 * The gateway's API as typed calls. The types come from `schema.ts`, which is generated from the
 * gateway's OpenAPI document (`npm run generate`); this file only adds error handling on top of
 * openapi-fetch.
 */
import createClient from 'openapi-fetch'

import type { components, paths } from './schema'

type Schemas = components['schemas']
export type OcrResult = Schemas['OcrResult']
export type StoredResult = Schemas['StoredResult']
export type OcrLine = Schemas['OcrLine']
export type OcrPage = Schemas['OcrPage']
export type Correction = Schemas['Correction']
export type CorrectionIn = Schemas['CorrectionIn']
export type LineCorrectionIn = Schemas['LineCorrectionIn']
export type CorrectionAccepted = Schemas['CorrectionAccepted']
export type ResultList = Schemas['ResultList']
export type ResultSummary = Schemas['ResultSummary']
export type SearchResults = Schemas['SearchResults']
export type SearchHit = Schemas['SearchHit']
export type SearchLine = Schemas['SearchLine']
export type ErrorBody = Schemas['ErrorResponse']
/** The formats of GET /v1/ocr/{id}/export: plain text, hOCR, ALTO XML, searchable PDF. */
export type ExportFormat = NonNullable<NonNullable<paths['/v1/ocr/{request_id}/export']['get']['parameters']['query']>['format']>

/** The gateway answered with an error: `code` is its stable error code (`file_too_large`, ...). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly detail: unknown

  constructor(status: number, code: string, detail: unknown) {
    super(typeof detail === 'string' && detail ? detail : `${code} (HTTP ${status})`)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.detail = detail
  }
}

/** The gateway could not be reached at all (offline, DNS, connection refused, CORS). */
export class NetworkError extends Error {
  constructor(cause?: unknown) {
    super('network error', { cause })
    this.name = 'NetworkError'
  }
}

function isErrorBody(body: unknown): body is ErrorBody {
  return typeof body === 'object' && body !== null && typeof (body as ErrorBody).error === 'string'
}

export function toApiError(response: Response, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(response.status, body.error, body.detail)
  return new ApiError(response.status, `http_${response.status}`, typeof body === 'string' ? body.slice(0, 300) : '')
}

interface FetchResult<T> {
  data?: T
  error?: unknown
  response: Response
}

async function call<T>(request: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>
  try {
    result = await request
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    if (err instanceof SyntaxError) throw new ApiError(0, 'bad_response', 'the server sent an unreadable answer')
    throw new NetworkError(err)
  }
  if (!result.response.ok || result.error !== undefined) throw toApiError(result.response, result.error)
  return result.data as T
}

export interface Api {
  /** Reads an image: its lines with boxes and text. */
  ocr(image: Blob, filename: string, signal?: AbortSignal): Promise<OcrResult>
  /** Recent results, newest first. */
  listResults(cursor?: string | null, limit?: number): Promise<ResultList>
  /** A stored result with its corrections. */
  getResult(requestId: string, signal?: AbortSignal): Promise<StoredResult>
  /** A stored result's image (fetched with the credentials: an <img src> could not send them). */
  image(requestId: string, signal?: AbortSignal): Promise<Blob>
  /** Page `page` (1-based) of a stored result's upload as PNG: a PDF page as it was read, a TIFF's frame. */
  pageImage(requestId: string, page: number, signal?: AbortSignal): Promise<Blob>
  /** A stored result with its corrections applied, as text, hOCR, ALTO or a searchable PDF. */
  exportResult(requestId: string, format: ExportFormat, signal?: AbortSignal): Promise<Blob>
  /** Stores a correction of single lines and/or of the whole text. */
  correct(requestId: string, correction: CorrectionIn): Promise<CorrectionAccepted>
  /** Stored results whose text matches `q` (words, "phrases", -excluded), best first. */
  search(q: string, cursor?: string | null, signal?: AbortSignal): Promise<SearchResults>
}

/**
 * `credential` gives the API key or token to send, if any, as `Authorization: Bearer …` on every call
 * (read at each call, so signing in or out needs no new client).
 */
export function createApi(
  baseUrl: string,
  fetchImpl?: (request: Request) => Promise<Response>,
  credential: () => string | null = () => null,
): Api {
  const client = createClient<paths>({ baseUrl, ...(fetchImpl ? { fetch: fetchImpl } : {}) })
  client.use({
    onRequest({ request }) {
      const value = credential()
      if (value) request.headers.set('Authorization', `Bearer ${value}`)
      return request
    },
  })
  return {
    ocr: (image, filename, signal) =>
      call(
        client.POST('/v1/ocr', {
          // The body is multipart: the generated type names the field, the serializer builds the form.
          body: { image: image as unknown as string },
          bodySerializer: () => {
            const form = new FormData()
            form.append('image', image, filename)
            return form
          },
          signal,
        }),
      ),
    listResults: (cursor, limit = 20) =>
      call(client.GET('/v1/ocr', { params: { query: { limit, ...(cursor ? { cursor } : {}) } } })),
    getResult: (requestId, signal) =>
      call(client.GET('/v1/ocr/{request_id}', { params: { path: { request_id: requestId } }, signal })),
    image: (requestId, signal) =>
      call(
        client.GET('/v1/ocr/{request_id}/image', { params: { path: { request_id: requestId } }, parseAs: 'blob', signal }),
      ) as Promise<Blob>,
    pageImage: (requestId, page, signal) =>
      call(
        client.GET('/v1/ocr/{request_id}/pages/{page}/image', {
          params: { path: { request_id: requestId, page } },
          parseAs: 'blob',
          signal,
        }),
      ) as Promise<Blob>,
    exportResult: (requestId, format, signal) =>
      call(
        client.GET('/v1/ocr/{request_id}/export', {
          params: { path: { request_id: requestId }, query: { format } },
          parseAs: 'blob',
          signal,
        }),
      ) as Promise<Blob>,
    correct: (requestId, correction) =>
      call(
        client.POST('/v1/ocr/{request_id}/corrections', {
          params: { path: { request_id: requestId } },
          body: correction,
        }),
      ),
    search: (q, cursor, signal) =>
      call(client.GET('/v1/search', { params: { query: { q, ...(cursor ? { cursor } : {}) } }, signal })),
  }
}
