import { describe, expect, it, vi } from 'vitest'

import { fitWithin, jpegName, prepareUpload, type DecodedImage, type Size } from './resize'

describe('fitWithin', () => {
  it('keeps an image that already fits', () => {
    expect(fitWithin({ width: 1200, height: 800 }, 2000)).toEqual({ width: 1200, height: 800, scale: 1 })
    expect(fitWithin({ width: 2000, height: 2000 }, 2000)).toEqual({ width: 2000, height: 2000, scale: 1 })
  })

  it('scales the longer side down to the limit, keeping the aspect ratio', () => {
    expect(fitWithin({ width: 4000, height: 3000 }, 2000)).toEqual({ width: 2000, height: 1500, scale: 0.5 })
    const tall = fitWithin({ width: 3024, height: 4032 }, 2000)
    expect(tall.height).toBe(2000)
    expect(tall.width).toBe(1500)
  })

  it('never returns a zero side, nor more than the limit after rounding', () => {
    const strip = fitWithin({ width: 10000, height: 3 }, 2000)
    expect(strip).toMatchObject({ width: 2000, height: 1 })
    const odd = fitWithin({ width: 2001, height: 2001 }, 2000)
    expect(Math.max(odd.width, odd.height)).toBe(2000)
  })

  it('uses the configured limit by default', () => {
    expect(fitWithin({ width: 6000, height: 1000 }).width).toBe(2000)
  })
})

describe('prepareUpload', () => {
  const decoded = (width: number, height: number): DecodedImage => ({ source: {} as CanvasImageSource, width, height, close: vi.fn() })

  it('re-encodes a large image as a JPEG within the limit', async () => {
    const image = decoded(4032, 3024)
    const encode = vi.fn(async () => new Blob(['jpeg'], { type: 'image/jpeg' }))
    const out = await prepareUpload(new Blob(['png']), 'receipt.png', { decode: async () => image, encode, maxSide: 2000 })
    expect(encode).toHaveBeenCalledWith(image, { width: 2000, height: 1500 }, expect.any(Number))
    expect(out).toMatchObject({ filename: 'receipt.jpg', size: { width: 2000, height: 1500 }, reencoded: true })
    expect(out.originalSize).toEqual({ width: 4032, height: 3024 })
    expect(out.blob.type).toBe('image/jpeg')
    expect(image.close).toHaveBeenCalled()
  })

  it('keeps the size of a small image but still sends a JPEG', async () => {
    const encode = vi.fn(async (_image: DecodedImage, _size: Size, _quality: number) => new Blob(['jpeg'], { type: 'image/jpeg' }))
    const out = await prepareUpload(new Blob(['png']), 'a.png', { decode: async () => decoded(800, 600), encode })
    expect(encode.mock.calls[0][1]).toEqual({ width: 800, height: 600 })
    expect(out.filename).toBe('a.jpg')
  })

  it('sends a file the browser cannot decode unchanged, so the server can judge it', async () => {
    const file = new Blob(['not an image'], { type: 'text/plain' })
    const out = await prepareUpload(file, 'notes.txt', { decode: async () => Promise.reject(new Error('bad')) })
    expect(out).toEqual({ blob: file, filename: 'notes.txt', reencoded: false })
  })

  it.each([
    ['scan.pdf', '%PDF-1.7\n%binary', 'pdf'],
    ['scan.tif', 'II*\0 frames', 'tiff'],
    ['scan.tiff', 'MM\0* frames', 'tiff'],
  ])('sends a PDF or a TIFF as it is, all its pages (%s), even where the browser could decode it', async (name, bytes, kind) => {
    const file = new Blob([bytes]) // no type: dropped files may have none
    const decode = vi.fn(async () => decoded(800, 600))
    const out = await prepareUpload(file, name, { decode })
    expect(out).toEqual({ blob: file, filename: name, reencoded: false, document: kind })
    expect(decode).not.toHaveBeenCalled()
  })
})

it('jpegName replaces the extension', () => {
  expect(jpegName('IMG_0001.HEIC')).toBe('IMG_0001.jpg')
  expect(jpegName('scan')).toBe('scan.jpg')
  expect(jpegName('.png')).toBe('image.jpg')
})
