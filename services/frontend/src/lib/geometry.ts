/**
 * Line boxes over the image. The gateway gives each line as four [x, y] points (top-left,
 * top-right, bottom-right, bottom-left) in the pixels of the image it read. The overlay is an SVG
 * whose viewBox is that pixel space, stretched over the displayed image, so the boxes follow the
 * image at any displayed size; these helpers do the arithmetic for it and for the tests.
 */

export type Point = [number, number]

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

const round = (v: number) => Math.round(v * 10) / 10

/** Points clamped into the image, rounded to 0.1 px. Malformed points are dropped. */
export function cleanPoints(points: number[][], width: number, height: number): Point[] {
  return points
    .filter((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]))
    .map(([x, y]) => [round(Math.min(Math.max(x, 0), width)), round(Math.min(Math.max(y, 0), height))])
}

/** The `points` attribute of an SVG polygon. */
export function polygonPoints(points: Point[]): string {
  return points.map(([x, y]) => `${x},${y}`).join(' ')
}

export function boundingBox(points: Point[]): Box {
  if (points.length === 0) return { x: 0, y: 0, width: 0, height: 0 }
  const xs = points.map((p) => p[0])
  const ys = points.map((p) => p[1])
  const x = Math.min(...xs)
  const y = Math.min(...ys)
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y }
}

/** Image pixels -> displayed CSS pixels, for an image of `natural` size shown at `displayed` size. */
export function toDisplayed(points: Point[], natural: { width: number; height: number }, displayed: { width: number; height: number }): Point[] {
  const sx = natural.width > 0 ? displayed.width / natural.width : 0
  const sy = natural.height > 0 ? displayed.height / natural.height : 0
  return points.map(([x, y]) => [x * sx, y * sy])
}
