import { render, screen } from '@testing-library/react'
import { expect, it } from 'vitest'

import { StatusBar } from './StatusBar'

it('shows progress in a polite live region while working', () => {
  render(<StatusBar status={{ kind: 'busy', message: 'Reading the text…', since: Date.now() }} onCancel={() => undefined} />)
  const status = screen.getByRole('status')
  expect(status).toHaveAttribute('aria-live', 'polite')
  expect(status).toHaveTextContent('Reading the text…')
  expect(screen.getByRole('progressbar', { name: 'Reading the text…' })).toBeInTheDocument()
  expect(screen.getByRole('button', { name: 'Cancel' })).toBeInTheDocument()
})

it('shows an error as an alert with the server detail', () => {
  render(
    <StatusBar
      status={{ kind: 'error', error: { code: 'file_too_large', message: 'The image is too large.', detail: 'limit 20 MB' } }}
    />,
  )
  const alert = screen.getByRole('alert')
  expect(alert).toHaveTextContent('The image is too large.')
  expect(alert).toHaveTextContent('Server said: limit 20 MB')
  expect(screen.getByTestId('error')).toHaveAttribute('data-code', 'file_too_large')
  expect(screen.queryByRole('progressbar')).toBeNull()
})
