import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'

import { CameraCapture } from './CameraCapture'

const setMediaDevices = (value: unknown) =>
  Object.defineProperty(navigator, 'mediaDevices', { value, configurable: true })

afterEach(() => setMediaDevices(undefined))

describe('CameraCapture', () => {
  it("falls back to the phone's camera app where getUserMedia is missing (plain http)", async () => {
    setMediaDevices(undefined)
    const user = userEvent.setup()
    render(<CameraCapture onCapture={vi.fn()} />)
    const input = screen.getByTestId('camera-input') as HTMLInputElement
    expect(input).toHaveAttribute('capture', 'environment')
    expect(input).toHaveAttribute('accept', 'image/*')
    const click = vi.spyOn(input, 'click')
    await user.click(screen.getByRole('button', { name: 'Take a photo' }))
    expect(click).toHaveBeenCalled()
    expect(screen.queryByRole('dialog')).toBeNull()
  })

  it('passes on a photo taken with the camera app', async () => {
    const onCapture = vi.fn()
    const user = userEvent.setup()
    render(<CameraCapture onCapture={onCapture} />)
    const photo = new File(['jpeg'], 'IMG_1.jpg', { type: 'image/jpeg' })
    await user.upload(screen.getByTestId('camera-input') as HTMLInputElement, photo)
    expect(onCapture).toHaveBeenCalledWith(photo, 'IMG_1.jpg')
  })

  it('opens a live preview and stops the camera on cancel', async () => {
    const stop = vi.fn()
    const stream = { getTracks: () => [{ stop }] } as unknown as MediaStream
    const getUserMedia = vi.fn(async () => stream)
    setMediaDevices({ getUserMedia })
    const user = userEvent.setup()
    render(<CameraCapture onCapture={vi.fn()} />)
    await user.click(screen.getByRole('button', { name: 'Take a photo' }))
    expect(await screen.findByRole('dialog', { name: 'Take a photo' })).toBeInTheDocument()
    expect(getUserMedia).toHaveBeenCalledWith(expect.objectContaining({ audio: false }))
    expect(await screen.findByRole('button', { name: 'Capture' })).toBeEnabled()
    await user.click(screen.getByRole('button', { name: 'Cancel' }))
    expect(screen.queryByRole('dialog')).toBeNull()
    expect(stop).toHaveBeenCalled()
  })

  it('explains a denied camera and offers the camera app', async () => {
    setMediaDevices({ getUserMedia: vi.fn(async () => Promise.reject(new DOMException('no', 'NotAllowedError'))) })
    const user = userEvent.setup()
    render(<CameraCapture onCapture={vi.fn()} />)
    await user.click(screen.getByRole('button', { name: 'Take a photo' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('Camera access was denied.')
    const click = vi.spyOn(screen.getByTestId('camera-input'), 'click')
    await user.click(screen.getByRole('button', { name: 'Use the camera app instead' }))
    expect(click).toHaveBeenCalled()
  })
})
