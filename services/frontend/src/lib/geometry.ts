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

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi)

/** The 4 points (top-left, top-right, bottom-right, bottom-left) of the rectangle spanned by two
 * corners, in any order, clamped into the image and rounded to whole pixels. */
export function rectPoints(a: Point, b: Point, width: number, height: number): Point[] {
  const [x0, x1] = [a[0], b[0]].map((v) => Math.round(clamp(v, 0, width))).sort((p, q) => p - q)
  const [y0, y1] = [a[1], b[1]].map((v) => Math.round(clamp(v, 0, height))).sort((p, q) => p - q)
  return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
}

/** The points moved by (dx, dy), as far as the box stays inside the image; whole pixels. */
export function translatePoints(points: Point[], dx: number, dy: number, width: number, height: number): Point[] {
  const box = boundingBox(points)
  const mx = Math.round(clamp(dx, -box.x, width - box.x - box.width))
  const my = Math.round(clamp(dy, -box.y, height - box.y - box.height))
  return points.map(([x, y]) => [Math.round(x + mx), Math.round(y + my)])
}

/** The box's bounding rectangle with one corner (0 top-left, 1 top-right, 2 bottom-right,
 * 3 bottom-left) dragged to `to`; the opposite corner stays. */
export function resizeCorner(points: Point[], corner: number, to: Point, width: number, height: number): Point[] {
  const box = boundingBox(points)
  const corners: Point[] = [
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x + box.width, box.y + box.height],
    [box.x, box.y + box.height],
  ]
  return rectPoints(corners[(corner + 2) % 4], to, width, height)
}
