import { describe, expect, it } from 'vitest'

import { boundingBox, cleanPoints, polygonPoints, rectPoints, resizeCorner, toDisplayed, translatePoints } from './geometry'

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

  it('makes a rectangle from two corners in any order, inside the image, in whole pixels', () => {
    expect(rectPoints([50.4, 40], [10, 10.4], 200, 100)).toEqual([[10, 10], [50, 10], [50, 40], [10, 40]])
    expect(rectPoints([-5, 90], [250, 120], 200, 100)).toEqual([[0, 90], [200, 90], [200, 100], [0, 100]])
  })

  it('moves a box, keeping its shape, but not out of the image', () => {
    const quad: [number, number][] = [[10, 20], [110, 22], [110, 50], [9, 48]]
    expect(translatePoints(quad, 5, -3, 200, 100)).toEqual([[15, 17], [115, 19], [115, 47], [14, 45]])
    // At most to the image's edges: right by 90 (110 -> 200), up by 20 (20 -> 0).
    expect(translatePoints(quad, 500, -500, 200, 100)).toEqual([[100, 0], [200, 2], [200, 30], [99, 28]])
  })

  it('resizes the bounding rectangle by one corner, the opposite one staying', () => {
    const quad: [number, number][] = [[10, 20], [110, 20], [110, 50], [10, 50]]
    expect(resizeCorner(quad, 2, [150, 70], 200, 100)).toEqual([[10, 20], [150, 20], [150, 70], [10, 70]])
    expect(resizeCorner(quad, 0, [30, 5], 200, 100)).toEqual([[30, 5], [110, 5], [110, 50], [30, 50]])
    // Dragged past the opposite corner: the rectangle flips instead of turning inside out.
    expect(resizeCorner(quad, 1, [0, 60], 200, 100)).toEqual([[0, 50], [10, 50], [10, 60], [0, 60]])
  })
})
