import type { ViewLine } from '../lib/corrections'
import { polygonPoints } from '../lib/geometry'

interface Props {
  src: string | null
  width: number
  height: number
  lines: ViewLine[]
  /** Lines that matched a search: drawn in their own colour. */
  matches?: number[]
  activeIndex: number | null
  selectedIndex: number | null
  onHover: (index: number | null) => void
  onSelect: (index: number) => void
}

export function lineClass(line: ViewLine, activeIndex: number | null, selectedIndex: number | null, matched = false): string {
  return [
    'box',
    line.low && !line.corrected ? 'low' : '', // a person has checked a corrected line
    line.corrected ? 'corrected' : '',
    matched ? 'match' : '',
    line.index === activeIndex ? 'active' : '',
    line.index === selectedIndex ? 'selected' : '',
  ]
    .filter(Boolean)
    .join(' ')
}

/**
 * The image with one polygon per detected line. The SVG's viewBox is the image's own pixel space
 * and the SVG is stretched over the displayed image, so the boxes scale with it.
 */
export function ImageOverlay({ src, width, height, lines, matches = [], activeIndex, selectedIndex, onHover, onSelect }: Props) {
  return (
    <figure className="overlay">
      <div className="overlay-frame" style={src ? undefined : { aspectRatio: `${width} / ${height}` }}>
        {src ? (
          <img src={src} alt="The uploaded image" width={width} height={height} draggable={false} />
        ) : (
          <div className="no-image">The image is no longer stored; the boxes are shown on a blank page.</div>
        )}
        <svg
          className="boxes"
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`${lines.length} detected text ${lines.length === 1 ? 'line' : 'lines'} drawn over the image`}
          onMouseLeave={() => onHover(null)}
        >
          {lines.map((line) => (
            <polygon
              key={line.index}
              data-index={line.index}
              className={lineClass(line, activeIndex, selectedIndex, matches.includes(line.index))}
              points={polygonPoints(line.points)}
              vectorEffect="non-scaling-stroke"
              onMouseEnter={() => onHover(line.index)}
              onClick={() => onSelect(line.index)}
            >
              <title>{`Line ${line.index + 1}: ${line.text}${matches.includes(line.index) ? ' (matches the search)' : ''}`}</title>
            </polygon>
          ))}
        </svg>
      </div>
    </figure>
  )
}
