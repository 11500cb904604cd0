import type { Either } from 'fp-ts/lib/Either.js'
import { expect } from 'vitest'
import type { ClaimsError, GroupsClaimState } from '../src/index.js'

/** The Right of `result`, failing the test with the error's code when it is a Left. */
export function expectRight<A>(result: Either<ClaimsError, A>): A {
  if (result._tag === 'Left') {
    expect.fail(`expected a Right, got ${result.left.code}: ${result.left.message}`)
  }
  return result.right
}

/** The claim state of a Right. */
export const expectState = (result: Either<ClaimsError, GroupsClaimState>): GroupsClaimState =>
  expectRight(result)

/** The error of a Left, failing the test when it is a Right. */
export function expectError(result: Either<ClaimsError, unknown>): ClaimsError {
  if (result._tag === 'Right') expect.fail(`expected a Left, got ${JSON.stringify(result.right)}`)
  return result.left
}

/** The options of the groups claim, in the order rule C9 checks them. */
export const GROUPS_CLAIM_OPTIONS = [
  'path',
  'sources',
  'delimiter',
  'maxGroups',
  'maxNameLength',
  'keycloakPaths',
  'shape',
  'valueMapping',
] as const

/** `word` as a whole word: not inside a longer name (`path` is not in `claimPath` or `pathsources`). */
export const wholeWord = (word: string): RegExp =>
  new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`)

/**
 * Holds a refusal's message to what a person reading a log needs from it (STYLE.md: a short
 * message that says what to do): under 200 characters, naming each of `words` — the option or
 * member at fault, what was found there, what is expected, the index of an offending entry — and
 * showing nothing that is not there as `undefined`. The codes and fields are the rules; the
 * wording beyond these words is free.
 */
export function expectMessageNaming(error: ClaimsError, ...words: readonly string[]): void {
  expect(error.message.length, error.message).toBeLessThan(200)
  for (const word of words) expect(error.message).toMatch(wholeWord(word))
  expect(error.message).not.toContain('undefined')
}
