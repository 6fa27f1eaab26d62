import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'

import { buildView } from '../lib/corrections'
import { ocrResult } from '../test/fixtures'
import { ImageOverlay } from './ImageOverlay'

function renderOverlay(props: Partial<Parameters<typeof ImageOverlay>[0]> = {}) {
  const view = buildView({ ...ocrResult(), corrections: [{ text: 'fixed', line_index: 1, deleted: false }] })
  const onHover = vi.fn()
  const onSelect = vi.fn()
  const utils = render(
    <ImageOverlay
      src="blob:img"
      width={400}
      height={200}
      lines={view.lines}
      activeIndex={null}
      selectedIndex={null}
      onHover={onHover}
      onSelect={onSelect}
      {...props}
    />,
  )
  const polygons = Array.from(utils.container.querySelectorAll('polygon'))
  return { ...utils, polygons, onHover, onSelect }
}

describe('ImageOverlay', () => {
  it("draws one polygon per line in the image's pixel space, stretched over the image", () => {
    const { container, polygons } = renderOverlay()
    const svg = container.querySelector('svg')!
    expect(svg.getAttribute('viewBox')).toBe('0 0 400 200')
    expect(svg.getAttribute('preserveAspectRatio')).toBe('none')
    expect(svg).toHaveAccessibleName('3 text lines drawn over the image')
    expect(polygons).toHaveLength(3)
    expect(polygons[0].getAttribute('points')).toBe('10,10 210,10 210,40 10,40')
    expect(polygons[2].getAttribute('points')).toBe('10,120 120,122 120,150 10,148')
    const img = container.querySelector('img')!
    expect(img).toHaveAttribute('width', '400')
    expect(img).toHaveAttribute('height', '200')
  })

  it('marks low-confidence, corrected and active lines', () => {
    const { polygons } = renderOverlay({ activeIndex: 0, selectedIndex: 0 })
    expect(polygons[0]).toHaveClass('box', 'active', 'selected')
    expect(polygons[1]).toHaveClass('corrected')
    expect(polygons[2]).toHaveClass('low')
    expect(polygons[2]).not.toHaveClass('active')
  })

  it('no longer warns about a low-confidence line once it is corrected', () => {
    const view = buildView({ ...ocrResult(), corrections: [{ text: 'Smudged', line_index: 2, deleted: false }] })
    const { container } = render(
      <ImageOverlay src="x" width={400} height={200} lines={view.lines} activeIndex={null} selectedIndex={null}
        onHover={vi.fn()} onSelect={vi.fn()} />,
    )
    const polygon = container.querySelector('polygon[data-index="2"]')!
    expect(polygon).toHaveClass('corrected')
    expect(polygon).not.toHaveClass('low')
  })

  it('reports hover and click on a box', () => {
    const { polygons, onHover, onSelect, container } = renderOverlay()
    fireEvent.mouseEnter(polygons[1])
    expect(onHover).toHaveBeenLastCalledWith(1)
    fireEvent.click(polygons[2])
    expect(onSelect).toHaveBeenCalledWith(2)
    fireEvent.mouseLeave(container.querySelector('svg')!)
    expect(onHover).toHaveBeenLastCalledWith(null)
  })

  it('still shows the boxes when the image has expired', () => {
    const { container, polygons } = renderOverlay({ src: null })
    expect(container.querySelector('img')).toBeNull()
    expect(container.textContent).toMatch(/no longer stored/)
    expect(polygons).toHaveLength(3)
  })

  it('draws a box drawn at its new place; a deleted one is marked, not clickable, and not counted', () => {
    const view = buildView({ ...ocrResult(), corrections: [] })
    const lines = [{ ...view.lines[0], draft: 'deleted' as const }, { ...view.lines[1], points: [[0, 0], [9, 0], [9, 9], [0, 9]] as [number, number][], draft: 'moved' as const }, view.lines[2]]
    const { container } = renderOverlay({ lines })
    expect(container.querySelector('polygon[data-index="0"]')).toHaveClass('draft-deleted')
    expect(container.querySelector('polygon[data-index="1"]')).toHaveClass('draft-moved')
    expect(container.querySelector('polygon[data-index="1"]')!.getAttribute('points')).toBe('0,0 9,0 9,9 0,9')
    expect(container.querySelector('svg')).toHaveAccessibleName('2 text lines drawn over the image')
  })
})

/** The SVG shown at twice the image's size (800×400 CSS px for 400×200 image px), at (100, 50). */
function shownAtTwice(container: HTMLElement) {
  const svg = container.querySelector('svg')!
  svg.getBoundingClientRect = () => ({ left: 100, top: 50, x: 100, y: 50, width: 800, height: 400, right: 900, bottom: 450, toJSON: () => ({}) })
  return svg
}
const at = (x: number, y: number) => ({ clientX: 100 + 2 * x, clientY: 50 + 2 * y, pointerId: 1, button: 0 })

describe('ImageOverlay box editing', () => {
  it('shows a frame with four corner handles on the selected box only, when boxes can be moved', () => {
    const { container } = renderOverlay({ selectedIndex: 1, onMoveBox: vi.fn() })
    const editor = container.querySelector('.box-editor')!
    expect(editor).toHaveAttribute('data-index', '1')
    expect(editor.querySelectorAll('.handle')).toHaveLength(4)
    const frame = container.querySelector('.box-frame')!
    expect([frame.getAttribute('x'), frame.getAttribute('y'), frame.getAttribute('width'), frame.getAttribute('height')]).toEqual(['10', '60', '170', '30'])
    expect(frame).toHaveAccessibleName(/^Box of line 2: drag it or its corners/)
    expect(container.querySelector('svg')).toHaveAttribute('role', 'group')
    expect(screen.getByRole('button', { name: /^Box of line 2/ })).toBe(frame)
    // Read-only without onMoveBox, and nothing without a selection.
    expect(renderOverlay({ selectedIndex: 1 }).container.querySelector('.box-editor')).toBeNull()
    expect(renderOverlay({ onMoveBox: vi.fn() }).container.querySelector('.box-editor')).toBeNull()
  })

  it('moves the selected box by dragging it, in image pixels, and reports it when the drag ends', () => {
    const onMoveBox = vi.fn()
    const { container } = renderOverlay({ selectedIndex: 0, onMoveBox })
    const svg = shownAtTwice(container)
    fireEvent.pointerDown(container.querySelector('.box-frame')!, at(50, 20))
    fireEvent.pointerMove(svg, at(80, 30)) // 60×20 CSS px = 30×10 image px
    // Shown where it is dragged before it is reported.
    expect(container.querySelector('polygon[data-index="0"]')!.getAttribute('points')).toBe('40,20 240,20 240,50 40,50')
    expect(onMoveBox).not.toHaveBeenCalled()
    fireEvent.pointerUp(svg, at(80, 30))
    expect(onMoveBox).toHaveBeenCalledWith(0, [[40, 20], [240, 20], [240, 50], [40, 50]])
  })

  it('keeps a dragged box inside the image', () => {
    const onMoveBox = vi.fn()
    const { container } = renderOverlay({ selectedIndex: 0, onMoveBox })
    const svg = shownAtTwice(container)
    fireEvent.pointerDown(container.querySelector('.box-frame')!, at(50, 20))
    fireEvent.pointerMove(svg, at(-500, -500))
    fireEvent.pointerUp(svg)
    expect(onMoveBox).toHaveBeenCalledWith(0, [[0, 0], [200, 0], [200, 30], [0, 30]])
  })

  it('resizes the selected box by a corner', () => {
    const onMoveBox = vi.fn()
    const { container } = renderOverlay({ selectedIndex: 0, onMoveBox })
    const svg = shownAtTwice(container)
    fireEvent.pointerDown(container.querySelector('.handle[data-corner="2"]')!, at(210, 40))
    fireEvent.pointerMove(svg, at(300, 55))
    fireEvent.pointerUp(svg)
    expect(onMoveBox).toHaveBeenCalledWith(0, [[10, 10], [300, 10], [300, 55], [10, 55]])
  })

  it('a click on the selected box without moving it unselects it, and moves nothing', () => {
    const onMoveBox = vi.fn()
    const { container, onSelect } = renderOverlay({ selectedIndex: 0, onMoveBox })
    const svg = shownAtTwice(container)
    fireEvent.pointerDown(container.querySelector('.box-frame')!, at(50, 20))
    fireEvent.pointerUp(svg, at(50, 20))
    expect(onMoveBox).not.toHaveBeenCalled()
    expect(onSelect).toHaveBeenCalledWith(0)
  })

  it('moves the selected box with the arrow keys and resizes it with Shift', () => {
    const onMoveBox = vi.fn()
    const { container } = renderOverlay({ selectedIndex: 0, onMoveBox })
    const frame = container.querySelector('.box-frame')!
    // One step is 1/200 of the image's longer side: 2 px here.
    fireEvent.keyDown(frame, { key: 'ArrowRight' })
    expect(onMoveBox).toHaveBeenLastCalledWith(0, [[12, 10], [212, 10], [212, 40], [12, 40]])
    fireEvent.keyDown(frame, { key: 'ArrowUp' })
    expect(onMoveBox).toHaveBeenLastCalledWith(0, [[10, 8], [210, 8], [210, 38], [10, 38]])
    fireEvent.keyDown(frame, { key: 'ArrowDown', shiftKey: true })
    expect(onMoveBox).toHaveBeenLastCalledWith(0, [[10, 10], [210, 10], [210, 42], [10, 42]])
    fireEvent.keyDown(frame, { key: 'a' })
    expect(onMoveBox).toHaveBeenCalledTimes(3)
  })

  it('draws a new box while adding; a mere click draws nothing', () => {
    const onDrawBox = vi.fn()
    const onMoveBox = vi.fn()
    const { container } = renderOverlay({ adding: true, onDrawBox, onMoveBox, selectedIndex: 0 })
    expect(container.querySelector('.box-editor')).toBeNull() // no moving while adding
    const svg = shownAtTwice(container)
    expect(svg).toHaveAccessibleName(/drag over the image to draw the new line's box/)
    const area = container.querySelector('.draw-area')!
    fireEvent.pointerDown(area, at(300, 190))
    fireEvent.pointerMove(svg, at(250, 160))
    expect(container.querySelector('polygon.drawing')!.getAttribute('points')).toBe('250,160 300,160 300,190 250,190')
    fireEvent.pointerUp(svg)
    expect(onDrawBox).toHaveBeenCalledWith([[250, 160], [300, 160], [300, 190], [250, 190]])
    expect(container.querySelector('polygon.drawing')).toBeNull()
    fireEvent.pointerDown(area, at(10, 10))
    fireEvent.pointerMove(svg, at(11, 11))
    fireEvent.pointerUp(svg)
    expect(onDrawBox).toHaveBeenCalledTimes(1)
    expect(onMoveBox).not.toHaveBeenCalled()
  })

  it('a cancelled drag changes nothing', () => {
    const onMoveBox = vi.fn()
    const { container } = renderOverlay({ selectedIndex: 0, onMoveBox })
    const svg = shownAtTwice(container)
    fireEvent.pointerDown(container.querySelector('.box-frame')!, at(50, 20))
    fireEvent.pointerMove(svg, at(80, 30))
    fireEvent.pointerCancel(svg)
    expect(onMoveBox).not.toHaveBeenCalled()
    expect(container.querySelector('polygon[data-index="0"]')!.getAttribute('points')).toBe('10,10 210,10 210,40 10,40')
  })
})
