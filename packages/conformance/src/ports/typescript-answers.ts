import { isLeft } from 'fp-ts/lib/Either.js'
import {
  computeMembershipDiff,
  MembershipInputError,
  orgGroupSlice,
  type OrgGroup,
} from '@groupsync/core'
import {
  extractGroupsClaim,
  parseClaimPath,
  type ClaimsError,
  type GroupsClaimOptions,
} from '@groupsync/claims'
import type { PortAnswer } from './serve.js'

/** The input of a `diff` request: the four arguments of Part 1, as the vectors write them. */
export interface DiffInput {
  readonly claimGroups: readonly string[]
  readonly orgGroups: readonly OrgGroup[]
  readonly current: readonly string[]
  readonly options: NonNullable<Parameters<typeof computeMembershipDiff>[3]>
}

const ids = (groups: readonly OrgGroup[]): string[] => groups.map((group) => group.id)

/**
 * The answer of the TypeScript implementation to a `diff` request: `computeMembershipDiff` with
 * every group written as its id, and the ids of rule 11's slice; a broken precondition (rule 8)
 * as an error with its code, path and value.
 */
export function answerDiff(input: unknown): PortAnswer {
  const { claimGroups, orgGroups, current, options } = input as DiffInput
  try {
    const diff = computeMembershipDiff(claimGroups, orgGroups, current, options)
    return {
      output: {
        toAdd: ids(diff.toAdd),
        toRemove: ids(diff.toRemove),
        unchanged: ids(diff.unchanged),
        unmatchedClaims: diff.unmatchedClaims,
        caseOnlyMatches: diff.caseOnlyMatches.map((pair) => ({
          claim: pair.claim,
          group: pair.group.id,
        })),
        slice: ids(orgGroupSlice(claimGroups, orgGroups, current)),
      },
    }
  } catch (error) {
    if (!(error instanceof MembershipInputError)) throw error
    return { error: { code: error.code, path: error.path, value: error.value } }
  }
}

/** A claims error as the protocol writes it: its code and the fields it has. */
const claimsError = (error: ClaimsError): PortAnswer => ({
  error: {
    code: error.code,
    ...(error.path === undefined ? {} : { path: error.path }),
    ...(error.index === undefined ? {} : { index: error.index }),
    ...(error.value === undefined ? {} : { value: error.value }),
    ...(error.source === undefined ? {} : { source: error.source }),
  },
})

/**
 * The answer of the TypeScript implementation to a `claims` request: `parseClaimPath` for a path
 * case (`{segments}`), `extractGroupsClaim` for an extraction case (the state), or the error.
 */
export function answerClaims(input: unknown): PortAnswer {
  const given = input as Readonly<Record<string, unknown>>
  if (Object.hasOwn(given, 'path')) {
    const path = parseClaimPath(given['path'] as string)
    return isLeft(path) ? claimsError(path.left) : { output: { segments: path.right } }
  }
  const idTokenClaims = given['idTokenClaims'] as Readonly<Record<string, unknown>>
  const state = extractGroupsClaim(
    Object.hasOwn(given, 'userinfo')
      ? { idTokenClaims, userinfo: given['userinfo'] }
      : { idTokenClaims },
    given['options'] as GroupsClaimOptions,
  )
  return isLeft(state) ? claimsError(state.left) : { output: state.right }
}
