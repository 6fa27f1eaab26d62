/**
 * Signing in: with authentication on (the chart's default) every API call needs an API key or a token.
 * The person pastes one once; it is kept in this browser tab only (sessionStorage: gone when the tab
 * closes, never shared with other tabs) and sent as `Authorization: Bearer …` on every call. Whether the
 * gateway wants one is learnt from its answers: a 401 asks for it (again), so `make up`, where
 * authentication is off, never shows a sign-in.
 */
import { ApiError, type Api } from './client'

const KEY = 'ocrmesh.credential'

export const credential = {
  get(): string | null {
    try {
      return sessionStorage.getItem(KEY)
    } catch {
      return null // storage disabled: nothing kept
    }
  },
  set(value: string): void {
    sessionStorage.setItem(KEY, value)
  },
  clear(): void {
    try {
      sessionStorage.removeItem(KEY)
    } catch {
      // nothing was kept
    }
  },
}

/** `api`, calling `onUnauthorized` before any call's 401 reaches its caller. */
export function watchUnauthorized(api: Api, onUnauthorized: (err: ApiError) => void): Api {
  const watched = {} as Record<string, unknown>
  for (const [name, method] of Object.entries(api) as [string, (...args: unknown[]) => unknown][]) {
    watched[name] = (...args: unknown[]) => {
      const result = method(...args)
      if (!(result instanceof Promise)) return result
      return result.catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) onUnauthorized(err)
        throw err
      })
    }
  }
  return watched as unknown as Api
}
