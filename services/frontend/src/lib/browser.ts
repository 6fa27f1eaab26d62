/** Small browser helpers: clipboard and downloads, with fallbacks for older or insecure contexts. */

export async function copyText(text: string): Promise<void> {
  if (navigator.clipboard?.writeText && window.isSecureContext) {
    await navigator.clipboard.writeText(text)
    return
  }
  // Plain http on a LAN address has no clipboard API: use a hidden textarea.
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  const ok = document.execCommand('copy')
  area.remove()
  if (!ok) throw new Error('copy is not allowed here')
}

export function downloadJson(data: unknown, filename: string): void {
  downloadBlob(new Blob([JSON.stringify(data, null, 2) + '\n'], { type: 'application/json' }), filename)
}

/** Saves `blob` as `filename` through a temporary <a download> on an object URL. */
export function downloadBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** The first file of a drop, whatever its type: the gateway says whether it can read it. */
export function fileFromDrop(data: DataTransfer | null): File | null {
  return data?.files?.[0] ?? null
}

/** The image in a paste, if any (pasted text is left alone). */
export function imageFromPaste(data: DataTransfer | null): File | null {
  for (const item of Array.from(data?.items ?? [])) {
    if (item.kind === 'file' && item.type.startsWith('image/')) {
      const file = item.getAsFile()
      if (file) return file
    }
  }
  return Array.from(data?.files ?? []).find((f) => f.type.startsWith('image/')) ?? null
}
