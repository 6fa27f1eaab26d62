import { describe, expect, it } from 'vitest'

import { ApiError, NetworkError } from './client'
import { describeError } from './errors'

describe('describeError', () => {
  it.each([
    [413, 'file_too_large', /too large to upload/],
    [413, 'request_too_large', /too large to upload/],
    [413, 'image_too_large', /too many pixels/],
    [415, 'unsupported_media_type', /not an image/],
    [400, 'empty_file', /empty/],
    [400, 'invalid_image', /could not be decoded/],
    [422, 'invalid_request', /did not accept/],
    [404, 'not_found', /not found/],
    [502, 'upstream_unavailable', /unavailable/],
    [502, 'upstream_error', /failed while reading/],
    [504, 'upstream_timeout', /took too long/],
    [503, 'overloaded', /busy/],
    [401, 'unauthorized', /sign in/],
    [413, 'too_many_pages', /too many pages/],
    [413, 'page_too_large', /page of the PDF is too large/],
    [422, 'encrypted_pdf', /password/],
    [400, 'invalid_pdf', /PDF could not be read/],
  ])('HTTP %i %s has its own message', (status, code, expected) => {
    const msg = describeError(new ApiError(status, code, 'server detail'))
    expect(msg.code).toBe(code)
    expect(msg.message).toMatch(expected)
    expect(msg.detail).toBe('server detail')
  })

  it('falls back on the status when the code is unknown (e.g. a proxy page)', () => {
    expect(describeError(new ApiError(413, 'http_413', '')).message).toMatch(/too large/)
    expect(describeError(new ApiError(503, 'http_503', '')).message).toMatch(/unavailable/)
    expect(describeError(new ApiError(504, 'http_504', '')).message).toMatch(/took too long/)
    expect(describeError(new ApiError(500, 'internal_error', '')).message).toMatch(/server had a problem/)
    expect(describeError(new ApiError(429, 'rate_limited', '')).message).toMatch(/Too many requests/)
  })

  it('explains a network failure', () => {
    expect(describeError(new NetworkError(new TypeError('Failed to fetch')))).toMatchObject({
      code: 'network_error',
      message: expect.stringMatching(/Could not reach the server/),
    })
  })

  it('joins validation details', () => {
    const msg = describeError(new ApiError(422, 'invalid_request', [{ loc: ['body'], msg: 'field required' }]))
    expect(msg.detail).toBe('field required')
  })
})
