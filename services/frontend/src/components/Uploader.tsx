import { useEffect, useRef, useState, type DragEvent } from 'react'

import { fileFromDrop, imageFromPaste } from '../lib/browser'
import { CameraCapture } from './CameraCapture'

interface Props {
  onFile: (file: Blob, name: string) => void
  disabled?: boolean
}

/** Every way in: file picker, drag and drop, paste anywhere on the page, and the camera. The picker and the drop
 * zone take images, multi-page TIFFs and PDFs. */
export function Uploader({ onFile, disabled = false }: Props) {
  const input = useRef<HTMLInputElement>(null)
  const [dragging, setDragging] = useState(false)

  useEffect(() => {
    function onPaste(event: ClipboardEvent) {
      if (disabled) return
      const file = imageFromPaste(event.clipboardData)
      if (!file) return // plain text pastes into the editors stay untouched
      event.preventDefault()
      onFile(file, file.name || 'pasted-image.png')
    }
    window.addEventListener('paste', onPaste)
    return () => window.removeEventListener('paste', onPaste)
  }, [onFile, disabled])

  function onDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault()
    setDragging(false)
    if (disabled) return
    const file = fileFromDrop(event.dataTransfer)
    if (file) onFile(file, file.name || 'dropped-image')
  }

  return (
    <section className={`uploader${dragging ? ' dragging' : ''}`} aria-labelledby="upload-title">
      <div
        className="dropzone"
        data-testid="dropzone"
        onDragEnter={(e) => {
          e.preventDefault()
          setDragging(true)
        }}
        onDragOver={(e) => {
          e.preventDefault()
          e.dataTransfer.dropEffect = 'copy'
        }}
        onDragLeave={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false)
        }}
        onDrop={onDrop}
      >
        <h2 id="upload-title">Read the text of a photo or scan</h2>
        <p className="hint">Drop an image or a PDF here, paste an image (Ctrl+V), or:</p>
        <div className="upload-actions">
          <button type="button" className="primary" disabled={disabled} onClick={() => input.current?.click()}>
            Choose a file…
          </button>
          <CameraCapture onCapture={onFile} disabled={disabled} />
        </div>
        <label className="visually-hidden" htmlFor="file-input">
          Image or PDF file
        </label>
        <input
          ref={input}
          id="file-input"
          className="visually-hidden"
          type="file"
          // Images (a TIFF may have several pages) and PDFs; the gateway judges what it is sent.
          accept="image/*,image/tiff,.tif,.tiff,application/pdf,.pdf"
          tabIndex={-1}
          disabled={disabled}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0]
            if (file) onFile(file, file.name)
            e.currentTarget.value = '' // choosing the same file again still triggers a change
          }}
        />
      </div>
    </section>
  )
}
