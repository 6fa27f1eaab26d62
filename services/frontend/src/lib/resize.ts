/**
 * Client-side preparation of an upload: the image is decoded by the browser, scaled down so its
 * longer side is at most MAX_IMAGE_SIDE pixels, and re-encoded as JPEG. Smaller uploads are faster
 * on a phone connection, and the server would not read more detail than that anyway.
 *
 * A PDF or a TIFF (which may have several pages) and a file the browser cannot decode (not an image
 * at all) are sent unchanged: the gateway decides, and its answer (e.g. "not an image") is what the
 * person sees.
 */
import { JPEG_QUALITY, MAX_IMAGE_SIDE } from '../config'
import { documentKind } from './pages'

export interface Size {
  width: number
  height: number
}

/** The size of `size` scaled down (never up) so that its longer side is at most `maxSide`. */
export function fitWithin(size: Size, maxSide: number = MAX_IMAGE_SIDE): Size & { scale: number } {
  const { width, height } = size
  const longer = Math.max(width, height)
  if (!(longer > maxSide)) return { width, height, scale: 1 }
  const scale = maxSide / longer
  return {
    width: Math.min(maxSide, Math.max(1, Math.round(width * scale))),
    height: Math.min(maxSide, Math.max(1, Math.round(height * scale))),
    scale,
  }
}

export interface DecodedImage extends Size {
  source: CanvasImageSource
  close?: () => void
}

export interface PreparedUpload {
  blob: Blob
  filename: string
  /** Size of what is sent; undefined when the browser could not decode the file. */
  size?: Size
  /** Size of the original image, when decoded. */
  originalSize?: Size
  /** False when the original file is sent as it is. */
  reencoded: boolean
  /** Set for a PDF or a TIFF, sent as it is: its pages are shown from the gateway's renderings. */
  document?: 'pdf' | 'tiff'
}

export interface PrepareOptions {
  maxSide?: number
  quality?: number
  decode?: (file: Blob) => Promise<DecodedImage>
  encode?: (image: DecodedImage, size: Size, quality: number) => Promise<Blob>
}

export async function decodeWithBrowser(file: Blob): Promise<DecodedImage> {
  // EXIF orientation is applied, so a phone photo is sent the way it looks.
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
  return { source: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() }
}

export async function encodeJpeg(image: DecodedImage, size: Size, quality: number): Promise<Blob> {
  const canvas = document.createElement('canvas')
  canvas.width = size.width
  canvas.height = size.height
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error('no 2D canvas')
  ctx.fillStyle = '#ffffff' // transparent pixels become white, not black, in a JPEG
  ctx.fillRect(0, 0, size.width, size.height)
  ctx.imageSmoothingEnabled = true
  ctx.imageSmoothingQuality = 'high'
  ctx.drawImage(image.source, 0, 0, size.width, size.height)
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('JPEG encoding failed'))), 'image/jpeg', quality),
  )
}

export function jpegName(name: string): string {
  const base = name.replace(/\.[^./\\]*$/, '') || 'image'
  return `${base}.jpg`
}

export async function prepareUpload(file: Blob, name: string, options: PrepareOptions = {}): Promise<PreparedUpload> {
  const { maxSide = MAX_IMAGE_SIDE, quality = JPEG_QUALITY, decode = decodeWithBrowser, encode = encodeJpeg } = options
  const kind = await documentKind(file)
  if (kind) return { blob: file, filename: name, reencoded: false, document: kind }
  let image: DecodedImage
  try {
    image = await decode(file)
  } catch {
    return { blob: file, filename: name, reencoded: false }
  }
  try {
    const originalSize = { width: image.width, height: image.height }
    const target = fitWithin(originalSize, maxSide)
    const size = { width: target.width, height: target.height }
    const blob = await encode(image, size, quality)
    return { blob, filename: jpegName(name), size, originalSize, reencoded: true }
  } catch {
    return { blob: file, filename: name, reencoded: false }
  } finally {
    image.close?.()
  }
}
