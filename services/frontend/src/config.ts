/** Front-end settings. Build-time overrides come from VITE_* environment variables. */

/** The longer side of an uploaded image is scaled down to this many pixels before it is sent. */
export const MAX_IMAGE_SIDE = Number(import.meta.env.VITE_MAX_IMAGE_SIDE ?? 2000)

/** JPEG quality of the re-encoded upload (0-1). */
export const JPEG_QUALITY = 0.9

/** Lines read with a confidence below this are marked for a second look. */
export const LOW_CONFIDENCE = 0.6

/** Where the gateway answers; by default the origin that served this page. */
export const API_BASE: string =
  import.meta.env.VITE_API_BASE ?? (typeof window !== 'undefined' ? window.location.origin : '')

/** Results are stored asynchronously: a just-made result may need a moment before it can be read back. */
export const NOT_STORED_RETRIES = 6
export const NOT_STORED_RETRY_MS = 700
