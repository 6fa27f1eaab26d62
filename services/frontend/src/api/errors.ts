/** What a person reads when something goes wrong: one sentence per error the gateway can return. */
import { ApiError, NetworkError } from './client'

export interface ErrorMessage {
  /** A stable key (the gateway's error code, or a local one); tests and styles use it. */
  code: string
  /** The sentence shown to the person. */
  message: string
  /** The server's own explanation, when it gave one. */
  detail?: string
}

const BY_CODE: Record<string, string> = {
  file_too_large: 'The image is too large to upload. Try a smaller photo or a lower camera resolution.',
  // the whole request over the gateway's MAX_REQUEST_BYTES, refused from its Content-Length before it is read
  request_too_large: 'The image is too large to upload. Try a smaller photo or a lower camera resolution.',
  image_too_large: 'The image has too many pixels to read. Try a smaller image.',
  unsupported_media_type:
    'This file is not an image ocrmesh can read. Use a photo or scan (JPEG, PNG, TIFF, BMP, WebP or GIF) or a PDF.',
  too_many_pages: 'The document has too many pages. Split it, or send fewer pages at a time.',
  page_too_large: 'A page of the PDF is too large to read.',
  encrypted_pdf: 'The PDF is protected by a password. Save it without one and try again.',
  invalid_pdf: 'The PDF could not be read: the file may be damaged or incomplete.',
  empty_file: 'The file is empty. Choose another image.',
  invalid_image: 'The image could not be decoded: the file may be damaged or incomplete.',
  invalid_request: 'The server did not accept this request.',
  not_found:
    'This result was not found. It may not be stored yet (try again in a moment), or it has expired: results are kept for 7 days.',
  upstream_unavailable: 'The OCR service is unavailable right now. Please try again in a moment.',
  upstream_error: 'The OCR service failed while reading this image. Please try again.',
  upstream_timeout: 'Reading the image took too long (timeout). Try again, or try a smaller image.',
  bad_response: 'The server sent an answer that could not be read. Please try again.',
  unauthorized: 'This server needs you to sign in (a token or an API key) before it reads images.',
  overloaded: 'The OCR service is busy right now. Please try again in a moment.',
  not_ready: 'The OCR service is still starting. Please try again in a moment.',
  invalid_query: 'This search cannot be run.',
  invalid_cursor: 'These search results are out of date: search again.',
}

const BY_STATUS: Record<number, string> = {
  400: BY_CODE.invalid_image,
  404: BY_CODE.not_found,
  413: BY_CODE.file_too_large,
  415: BY_CODE.unsupported_media_type,
  401: BY_CODE.unauthorized,
  403: 'You are not allowed to do this.',
  422: BY_CODE.invalid_request,
  429: 'Too many requests, or the daily limit is used up. Please wait and try again.',
  502: BY_CODE.upstream_unavailable,
  503: BY_CODE.upstream_unavailable,
  504: BY_CODE.upstream_timeout,
}

function detailText(detail: unknown): string | undefined {
  if (typeof detail === 'string') return detail || undefined
  if (Array.isArray(detail)) {
    const parts = detail.map((d) => (typeof d === 'object' && d && 'msg' in d ? String(d.msg) : String(d)))
    return parts.join('; ') || undefined
  }
  return undefined
}

export function describeError(err: unknown): ErrorMessage {
  if (err instanceof ApiError) {
    const message =
      BY_CODE[err.code] ??
      BY_STATUS[err.status] ??
      (err.status >= 500
        ? `The server had a problem (HTTP ${err.status}). Please try again.`
        : `The request failed (HTTP ${err.status}).`)
    return { code: err.code, message, detail: detailText(err.detail) }
  }
  if (err instanceof NetworkError) {
    return {
      code: 'network_error',
      message: 'Could not reach the server. Check your network connection and try again.',
    }
  }
  if (err instanceof DOMException && err.name === 'AbortError') {
    return { code: 'cancelled', message: 'Cancelled.' }
  }
  return { code: 'unexpected', message: 'Something went wrong in the page.', detail: String(err) }
}
