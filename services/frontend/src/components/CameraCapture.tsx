import { useEffect, useRef, useState } from 'react'

interface Props {
  onCapture: (image: Blob, name: string) => void
  disabled?: boolean
}

function cameraError(err: unknown): string {
  const name = err instanceof DOMException ? err.name : ''
  if (name === 'NotAllowedError') return 'Camera access was denied.'
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.'
  if (name === 'NotReadableError') return 'The camera is in use by another app.'
  return 'The camera could not be started.'
}

/**
 * "Take a photo": a live preview with a capture button where the browser allows camera access
 * (getUserMedia needs https or localhost); otherwise the phone's own camera app through
 * <input type=file capture=environment>.
 */
export function CameraCapture({ onCapture, disabled = false }: Props) {
  const fallback = useRef<HTMLInputElement>(null)
  const video = useRef<HTMLVideoElement>(null)
  const captureButton = useRef<HTMLButtonElement>(null)
  const [open, setOpen] = useState(false)
  const [stream, setStream] = useState<MediaStream | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (video.current && stream) {
      video.current.srcObject = stream
      void video.current.play?.()?.catch(() => undefined)
      captureButton.current?.focus()
    }
  }, [stream])

  useEffect(() => () => stream?.getTracks().forEach((t) => t.stop()), [stream])

  async function start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      fallback.current?.click()
      return
    }
    setError(null)
    setOpen(true)
    try {
      const s = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1920 }, height: { ideal: 1080 } },
        audio: false,
      })
      setStream(s)
    } catch (err) {
      setError(cameraError(err))
    }
  }

  function close() {
    setStream(null)
    setOpen(false)
    setError(null)
  }

  function capture() {
    const v = video.current
    if (!v || !v.videoWidth) return
    const canvas = document.createElement('canvas')
    canvas.width = v.videoWidth
    canvas.height = v.videoHeight
    canvas.getContext('2d')?.drawImage(v, 0, 0)
    canvas.toBlob(
      (blob) => {
        if (blob) onCapture(blob, 'camera.jpg')
        close()
      },
      'image/jpeg',
      0.92,
    )
  }

  return (
    <>
      <button type="button" disabled={disabled} onClick={start}>
        Take a photo
      </button>
      <input
        ref={fallback}
        className="visually-hidden"
        type="file"
        accept="image/*"
        capture="environment"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="camera-input"
        onChange={(e) => {
          const file = e.currentTarget.files?.[0]
          if (file) onCapture(file, file.name || 'camera.jpg')
          e.currentTarget.value = ''
          close()
        }}
      />
      {open && (
        <div
          className="camera"
          role="dialog"
          aria-modal="true"
          aria-labelledby="camera-title"
          onKeyDown={(e) => e.key === 'Escape' && close()}
        >
          <div className="camera-box">
            <h2 id="camera-title">Take a photo</h2>
            {error ? (
              <div className="camera-error">
                <p role="alert">{error}</p>
                <button type="button" className="primary" onClick={() => fallback.current?.click()}>
                  Use the camera app instead
                </button>
              </div>
            ) : (
              <video ref={video} playsInline muted aria-label="Camera preview" />
            )}
            <div className="camera-actions">
              {!error && (
                <button ref={captureButton} type="button" className="primary" disabled={!stream} onClick={capture}>
                  Capture
                </button>
              )}
              <button type="button" onClick={close}>
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  )
}
