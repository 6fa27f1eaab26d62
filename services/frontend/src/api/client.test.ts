// @vitest-environment node
import { describe, expect, it } from 'vitest'

import { ApiError, NetworkError, createApi } from './client'

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('generated API client', () => {
  it('uploads the image as the multipart field "image"', async () => {
    let seen: Request | undefined
    const api = createApi('http://gw', async (req) => {
      seen = req
      return json({ request_id: 'r', width: 1, height: 1, text: '', lines: [] })
    })
    await api.ocr(new Blob(['jpeg-bytes'], { type: 'image/jpeg' }), 'page.jpg')
    expect(seen?.method).toBe('POST')
    expect(seen?.url).toBe('http://gw/v1/ocr')
    const form = await seen!.formData()
    const file = form.get('image') as File
    expect(file.name).toBe('page.jpg')
    expect(await file.text()).toBe('jpeg-bytes')
  })

  it('turns the JSON error body into an ApiError with the code', async () => {
    const api = createApi('http://gw', async () => json({ error: 'file_too_large', detail: 'over 20 MB' }, 413))
    const err = await api.ocr(new Blob(['x']), 'x.jpg').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 413, code: 'file_too_large', detail: 'over 20 MB' })
  })

  it('copes with an error page that is not JSON', async () => {
    const api = createApi('http://gw', async () => new Response('<html>Bad Gateway</html>', { status: 502 }))
    const err = await api.listResults().catch((e) => e)
    expect(err).toMatchObject({ status: 502, code: 'http_502' })
  })

  it('reports an unreachable server as a NetworkError', async () => {
    const api = createApi('http://gw', async () => {
      throw new TypeError('fetch failed')
    })
    await expect(api.getResult('x')).rejects.toBeInstanceOf(NetworkError)
  })

  it('lists, reads and corrects results on the documented paths', async () => {
    const urls: string[] = []
    const bodies: unknown[] = []
    const api = createApi('http://gw', async (req) => {
      urls.push(`${req.method} ${req.url}`)
      if (req.method === 'POST') {
        bodies.push(await req.json())
        return json({ request_id: 'r', correction_id: 'c', status: 'accepted' }, 202)
      }
      return json(req.url.includes('/v1/ocr?') ? { items: [], next_cursor: null } : { request_id: 'r' })
    })
    await api.listResults('abc', 5)
    await api.getResult('r1')
    await api.correct('r1', { lines: [{ index: 2, text: 'fixed', deleted: false }] })
    expect(urls).toEqual([
      'GET http://gw/v1/ocr?limit=5&cursor=abc',
      'GET http://gw/v1/ocr/r1',
      'POST http://gw/v1/ocr/r1/corrections',
    ])
    expect(bodies).toEqual([{ lines: [{ index: 2, text: 'fixed', deleted: false }] }])
  })

  it('searches on GET /v1/search with the query and the cursor', async () => {
    const urls: string[] = []
    const api = createApi('http://gw', async (req) => {
      urls.push(req.url)
      return json({ items: [], next_cursor: null })
    })
    await api.search('"tax invoice" -cash')
    await api.search('total', 'c2')
    expect(urls).toEqual([
      'http://gw/v1/search?q=%22tax%20invoice%22%20-cash',
      'http://gw/v1/search?q=total&cursor=c2',
    ])
  })

  it('sends the credential, when there is one, as a bearer token on every call', async () => {
    const seen: (string | null)[] = []
    let key: string | null = null
    const api = createApi(
      'http://gw',
      async (req) => {
        seen.push(req.headers.get('authorization'))
        return req.url.endsWith('/image') ? new Response(new Blob(['png-bytes'])) : json({ items: [], next_cursor: null })
      },
      () => key,
    )
    await api.listResults()
    key = 'ocm_abc'
    await api.listResults()
    const image = await api.image('r1')
    expect(seen).toEqual([null, 'Bearer ocm_abc', 'Bearer ocm_abc'])
    expect(await image.text()).toBe('png-bytes')
  })

  it('fetches page images and exports as blobs, with the credential', async () => {
    const seen: string[] = []
    const api = createApi(
      'http://gw',
      async (req) => {
        seen.push(`${req.url} ${req.headers.get('authorization')}`)
        if (req.url.includes('/pages/3/')) return json({ error: 'not_found', detail: 'no page 3: the stored file has 2 pages' }, 404)
        return new Response(new Blob([req.url.includes('export') ? 'the text\f' : 'png-bytes']))
      },
      () => 'ocm_abc',
    )
    expect(await (await api.pageImage('r1', 2)).text()).toBe('png-bytes')
    expect(await (await api.exportResult('r1', 'txt')).text()).toBe('the text\f')
    await api.exportResult('r1', 'pdf')
    await expect(api.pageImage('r1', 3)).rejects.toMatchObject({ status: 404, code: 'not_found' })
    expect(seen).toEqual([
      'http://gw/v1/ocr/r1/pages/2/image Bearer ocm_abc',
      'http://gw/v1/ocr/r1/export?format=txt Bearer ocm_abc',
      'http://gw/v1/ocr/r1/export?format=pdf Bearer ocm_abc',
      'http://gw/v1/ocr/r1/pages/3/image Bearer ocm_abc',
    ])
  })
})
