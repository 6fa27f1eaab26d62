import { describe, expect, it } from 'vitest'

import { boundingBox, cleanPoints, polygonPoints, toDisplayed } from './geometry'

describe('overlay geometry', () => {
  const quad = [[10, 20], [110, 22.345], [109.96, 50], [9, 48]]

  it('writes SVG polygon points in image pixels, rounded to 0.1', () => {
    expect(polygonPoints(cleanPoints(quad, 200, 100))).toBe('10,20 110,22.3 110,50 9,48')
  })

  it('clamps points into the image and drops malformed ones', () => {
    expect(cleanPoints([[-5, 10], [250, -1], [150, 120], [1]], 200, 100)).toEqual([[0, 10], [200, 0], [150, 100]])
  })

  it('gives the bounding box of a line', () => {
    expect(boundingBox(cleanPoints(quad, 200, 100))).toEqual({ x: 9, y: 20, width: 101, height: 30 })
    expect(boundingBox([])).toEqual({ x: 0, y: 0, width: 0, height: 0 })
  })

  it('scales image pixels to the displayed size', () => {
    const shown = toDisplayed([[100, 50], [400, 200]], { width: 800, height: 400 }, { width: 400, height: 200 })
    expect(shown).toEqual([[50, 25], [200, 100]])
  })
})
