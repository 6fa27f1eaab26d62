import { useId, useState } from 'react'

interface Props {
  /** The last key or token was refused (unknown, revoked or expired), not just missing. */
  rejected: boolean
  onSignIn: (credential: string) => void
}

/** Asks for an API key or a token when the gateway answers 401; it is kept in this tab only. */
export function SignIn({ rejected, onSignIn }: Props) {
  const [value, setValue] = useState('')
  const inputId = useId()
  const submit = () => {
    const v = value.trim().replace(/^Bearer\s+/i, '')
    if (v) onSignIn(v)
  }
  return (
    <section className="sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <p>
        This server needs an API key (<code>ocm_…</code>, made with <code>ocrmesh keys create</code>) or a token
        from your identity provider. It is kept in this browser tab only, until you close the tab or sign out.
      </p>
      {rejected && (
        <p className="error" role="alert">
          That key or token was not accepted (unknown, revoked or expired). Paste another one.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          submit()
        }}
      >
        <label htmlFor={inputId}>API key or token</label>
        <input
          id={inputId}
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          autoFocus
        />
        <button type="submit" className="primary" disabled={!value.trim()}>
          Sign in
        </button>
      </form>
    </section>
  )
}
