import { useRef, useState, type KeyboardEvent, type PointerEvent } from 'react'

import type { ViewLine } from '../lib/corrections'
import { boundingBox, polygonPoints, rectPoints, resizeCorner, translatePoints, type Point } from '../lib/geometry'

interface Props {
  src: string | null
  /** The image's text alternative. */
  alt?: string
  /** Shown in the image's place while `src` is null (the boxes are drawn on a blank page). */
  placeholder?: string
  width: number
  height: number
  lines: ViewLine[]
  /** Lines that matched a search: drawn in their own colour. */
  matches?: number[]
  activeIndex: number | null
  selectedIndex: number | null
  onHover: (index: number | null) => void
  onSelect: (index: number) => void
  /** Given: the selected box can be moved (drag it, arrow keys) and resized (drag a corner,
   * Shift+arrow keys); called with its new points when a move ends. */
  onMoveBox?: (index: number, points: Point[]) => void
  /** True while a new box is being drawn: a drag over the image draws it. */
  adding?: boolean
  /** Called with the rectangle drawn while `adding`. */
  onDrawBox?: (points: Point[]) => void
}

type Drag =
  | { kind: 'move'; index: number; start: Point; origin: Point[]; points: Point[]; moved: boolean }
  | { kind: 'corner'; index: number; corner: number; origin: Point[]; points: Point[]; moved: boolean }
  | { kind: 'draw'; start: Point; points: Point[]; moved: boolean }

/** Smaller drawn boxes are taken for a click. */
const MIN_BOX = 3

export function lineClass(line: ViewLine, activeIndex: number | null, selectedIndex: number | null, matched = false): string {
  return [
    'box',
    line.low && !line.corrected ? 'low' : '', // a person has checked a corrected line
    line.corrected ? 'corrected' : '',
    line.draft ? `draft draft-${line.draft}` : '',
    matched ? 'match' : '',
    line.index === activeIndex ? 'active' : '',
    line.index === selectedIndex ? 'selected' : '',
  ]
    .filter(Boolean)
    .join(' ')
}

/**
 * The image with one polygon per line. The SVG's viewBox is the image's own pixel space and the
 * SVG is stretched over the displayed image, so the boxes scale with it. The selected box gets a
 * frame with corner handles to move and resize it; while adding, a drag draws a new box.
 */
export function ImageOverlay({
  src, alt = 'The uploaded image', placeholder = 'The image is no longer stored; the boxes are shown on a blank page.',
  width, height, lines, matches = [], activeIndex, selectedIndex, onHover, onSelect, onMoveBox, adding = false, onDrawBox,
}: Props) {
  const svg = useRef<SVGSVGElement>(null)
  const [drag, setDrag] = useState<Drag | null>(null)
  const dragRef = useRef<Drag | null>(null)
  const update = (d: Drag | null) => {
    dragRef.current = d
    setDrag(d)
  }
  const handle = Math.max(4, Math.max(width, height) / 90) // corner handles, in image pixels
  const step = Math.max(1, Math.round(Math.max(width, height) / 200)) // one arrow key press
  const selected = lines.find((l) => l.index === selectedIndex && l.draft !== 'deleted') ?? null
  const editable = onMoveBox !== undefined && !adding && selected !== null
  const shown = lines.filter((l) => l.draft !== 'deleted').length

  /** A pointer's position in image pixels. */
  function toImage(e: { clientX: number; clientY: number }): Point | null {
    const r = svg.current?.getBoundingClientRect()
    if (!r || r.width <= 0 || r.height <= 0) return null
    return [((e.clientX - r.left) * width) / r.width, ((e.clientY - r.top) * height) / r.height]
  }

  function begin(e: PointerEvent, d: Drag) {
    if (e.button !== 0) return
    e.preventDefault()
    e.stopPropagation()
    svg.current?.setPointerCapture?.(e.pointerId) // keep getting the moves outside the box
    update(d)
  }

  function move(e: PointerEvent) {
    const d = dragRef.current
    const at = d && toImage(e)
    if (!d || !at) return
    if (d.kind === 'move') {
      const points = translatePoints(d.origin, at[0] - d.start[0], at[1] - d.start[1], width, height)
      update({ ...d, points, moved: d.moved || points.some((p, i) => p[0] !== d.origin[i][0] || p[1] !== d.origin[i][1]) })
    } else if (d.kind === 'corner') {
      update({ ...d, points: resizeCorner(d.origin, d.corner, at, width, height), moved: true })
    } else {
      update({ ...d, points: rectPoints(d.start, at, width, height), moved: true })
    }
  }

  function end(cancelled: boolean) {
    const d = dragRef.current
    if (!d) return
    update(null)
    if (cancelled) return
    if (d.kind === 'draw') {
      const box = boundingBox(d.points)
      if (box.width >= MIN_BOX && box.height >= MIN_BOX) onDrawBox?.(d.points)
    } else if (d.moved) {
      onMoveBox?.(d.index, d.points)
    } else if (d.kind === 'move') {
      onSelect(d.index) // a click on the selected box: unselect it, as a click on any box does
    }
  }

  function keyMove(e: KeyboardEvent, line: ViewLine) {
    const arrows: Record<string, Point> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }
    const dir = arrows[e.key]
    if (!dir || !onMoveBox) return
    e.preventDefault()
    const [dx, dy] = [dir[0] * step, dir[1] * step]
    if (e.shiftKey) {
      const b = boundingBox(line.points)
      const w = Math.max(MIN_BOX, b.width + dx)
      const h = Math.max(MIN_BOX, b.height + dy)
      onMoveBox(line.index, rectPoints([b.x, b.y], [b.x + w, b.y + h], width, height))
    } else {
      onMoveBox(line.index, translatePoints(line.points, dx, dy, width, height))
    }
  }

  const pointsOf = (line: ViewLine) => (drag && drag.kind !== 'draw' && drag.index === line.index ? drag.points : line.points)
  const label = `${shown} ${shown === 1 ? 'text line' : 'text lines'} drawn over the image`

  return (
    <figure className="overlay">
      <div className="overlay-frame" style={src ? undefined : { aspectRatio: `${width} / ${height}` }}>
        {src ? (
          <img src={src} alt={alt} width={width} height={height} draggable={false} />
        ) : (
          <div className="no-image">{placeholder}</div>
        )}
        <svg
          ref={svg}
          className={`boxes${adding ? ' adding' : ''}${drag ? ' dragging' : ''}`}
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          // An img's children are hidden from assistive technology: a group while the box frame can be focused.
          role={editable ? 'group' : 'img'}
          aria-label={adding ? `${label}; drag over the image to draw the new line's box` : label}
          onMouseLeave={() => onHover(null)}
          onPointerMove={move}
          onPointerUp={() => end(false)}
          onPointerCancel={() => end(true)}
        >
          {lines.map((line) => (
            <polygon
              key={line.index}
              data-index={line.index}
              className={lineClass(line, activeIndex, selectedIndex, matches.includes(line.index))}
              points={polygonPoints(pointsOf(line))}
              vectorEffect="non-scaling-stroke"
              onMouseEnter={() => onHover(line.index)}
              onClick={() => onSelect(line.index)}
            >
              <title>{`Line ${line.index + 1}: ${line.text}${matches.includes(line.index) ? ' (matches the search)' : ''}${line.draft === 'deleted' ? ' (not text, not saved yet)' : ''}`}</title>
            </polygon>
          ))}
          {editable && selected && (
            <BoxEditor
              line={selected}
              points={pointsOf(selected)}
              handle={handle}
              onHover={onHover}
              onKeyDown={(e) => keyMove(e, selected)}
              onStartMove={(e) => {
                const start = toImage(e)
                if (start) begin(e, { kind: 'move', index: selected.index, start, origin: selected.points, points: selected.points, moved: false })
              }}
              onStartCorner={(e, corner) =>
                begin(e, { kind: 'corner', index: selected.index, corner, origin: selected.points, points: selected.points, moved: false })
              }
            />
          )}
          {adding && (
            <rect
              className="draw-area"
              x={0}
              y={0}
              width={width}
              height={height}
              onPointerDown={(e) => {
                const start = toImage(e)
                if (start) begin(e, { kind: 'draw', start, points: rectPoints(start, start, width, height), moved: false })
              }}
            />
          )}
          {drag?.kind === 'draw' && (
            <polygon className="box drawing" points={polygonPoints(drag.points)} vectorEffect="non-scaling-stroke" />
          )}
        </svg>
      </div>
    </figure>
  )
}

interface EditorProps {
  line: ViewLine
  points: Point[]
  handle: number
  onHover: (index: number | null) => void
  onKeyDown: (e: KeyboardEvent) => void
  onStartMove: (e: PointerEvent) => void
  onStartCorner: (e: PointerEvent, corner: number) => void
}

/** The selected box's frame: drag it to move the box, a corner to resize it; focus it and use the
 * arrow keys to move it, Shift+arrow keys to resize it. */
function BoxEditor({ line, points, handle, onHover, onKeyDown, onStartMove, onStartCorner }: EditorProps) {
  const b = boundingBox(points)
  const corners: Point[] = [[b.x, b.y], [b.x + b.width, b.y], [b.x + b.width, b.y + b.height], [b.x, b.y + b.height]]
  const names = ['top-left', 'top-right', 'bottom-right', 'bottom-left']
  return (
    <g className="box-editor" data-index={line.index} onMouseEnter={() => onHover(line.index)}>
      <rect
        className="box-frame"
        x={b.x}
        y={b.y}
        width={b.width}
        height={b.height}
        vectorEffect="non-scaling-stroke"
        tabIndex={0}
        role="button"
        aria-label={`Box of line ${line.index + 1}: drag it or its corners, or use the arrow keys to move it and Shift+arrow keys to resize it`}
        onKeyDown={onKeyDown}
        onPointerDown={onStartMove}
      />
      {corners.map(([x, y], corner) => (
        <rect
          key={corner}
          className={`handle handle-${names[corner]}`}
          data-corner={corner}
          x={x - handle / 2}
          y={y - handle / 2}
          width={handle}
          height={handle}
          vectorEffect="non-scaling-stroke"
          aria-hidden="true"
          onPointerDown={(e) => onStartCorner(e, corner)}
        />
      ))}
    </g>
  )
}
