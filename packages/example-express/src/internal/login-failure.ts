import * as client from 'openid-client'
import { failure, type View } from './pages.js'

// An OAuth error code comes from the query string of the callback, so only a plain code is
// repeated on the page; anything else may be text someone wrote into a link.
const plainCode = (code: unknown): string =>
  typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? ` (${code})` : ''

/**
 * The page for an error of openid-client's code exchange, by its cause: cancelled or refused at
 * the provider, a response that does not belong to this browser's sign-in (a changed `state`, a
 * callback from another browser), a code the provider no longer accepts, a token that did not
 * verify. `undefined` for anything else: an unexpected error. `retry` starts a new sign-in.
 */
export function loginFailurePage(error: unknown, retry: string): View | undefined {
  const failed = (sentence: string): View =>
    failure(400, 'Sign-in failed', sentence, [retry, 'Try again'])
  if (error instanceof client.AuthorizationResponseError) {
    return error.error === 'access_denied'
      ? failure(
          403,
          'Sign-in cancelled',
          'The sign-in was cancelled at the provider (or the provider refused it), so it did not complete.',
          [retry, 'Try again'],
        )
      : failed(`The provider did not complete the sign-in${plainCode(error.error)}.`)
  }
  if (error instanceof client.ResponseBodyError) {
    return failed(
      error.error === 'invalid_grant'
        ? 'The provider refused the sign-in code: it was used already, has expired or was changed on the way.'
        : `The provider refused to finish the sign-in${plainCode(error.error)}.`,
    )
  }
  if (error instanceof client.ClientError) {
    return failed(
      error.code === 'OAUTH_INVALID_RESPONSE'
        ? 'The answer that came back does not belong to the sign-in this browser started (it was changed on the way, or comes from another browser or tab), so it was refused.'
        : "The provider's answer could not be verified, so it was refused.",
    )
  }
  return undefined
}
