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
