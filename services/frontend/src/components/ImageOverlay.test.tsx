import { fireEvent, render } from '@testing-library/react'
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
    expect(svg).toHaveAccessibleName('3 detected text lines drawn over the image')
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
})
