import type { EquivalentMutant } from './report.js'

const DIFF = 'packages/core/src/compute-membership-diff.ts'
const GROUPS_CLAIM = 'packages/claims/src/read-groups-from.ts'
const CLAIM_PATH = 'packages/claims/src/claim-path.ts'
const ID_TOKEN = 'packages/claims/src/verify-id-token.ts'

/**
 * The surviving mutants judged equivalent, each with the reason no test can tell it from the
 * original. Everything else that survives is a gap in the tests, to be closed with a test that
 * states the rule the mutant breaks.
 */
export const EQUIVALENT_MUTANTS: readonly EquivalentMutant[] = [
  {
    file: DIFF,
    mutator: 'ConditionalExpression',
    original: 'state !== undefined',
    replacement: 'true',
    reason:
      '`undefined & IN_ORG` is 0, so the duplicate-id test is false for an unseen id either way',
  },
  {
    file: DIFF,
    mutator: 'LogicalOperator',
    original: 'state ?? 0',
    replacement: 'state && 0',
    reason:
      'drops only the CURRENT bit of an org group already seen; later reads of that id test IN_ORG alone (membership was read before the write)',
  },
  {
    file: DIFF,
    mutator: 'ConditionalExpression',
    original: 'unmatchedClaims.length === 0',
    replacement: 'false',
    reason:
      'a shortcut: with no unmatched entry the pairing loops below find no pair and return []',
  },
  {
    file: DIFF,
    mutator: 'ConditionalExpression',
    original: 'unmatchedGroups.length === 0',
    replacement: 'false',
    reason:
      'a shortcut: with no unmatched group the pairing loops below find no pair and return []',
  },
  {
    file: DIFF,
    mutator: 'ConditionalExpression',
    original: 'unmatchedClaims.length === 0 || unmatchedGroups.length === 0',
    replacement: 'false',
    reason:
      'a shortcut: when either list is empty the pairing loops below find no pair and return []',
  },
  {
    file: DIFF,
    mutator: 'LogicalOperator',
    original: 'unmatchedClaims.length === 0 || unmatchedGroups.length === 0',
    replacement: 'unmatchedClaims.length === 0 && unmatchedGroups.length === 0',
    reason:
      'a shortcut: when either list is empty the pairing loops below find no pair and return []',
  },
  {
    file: DIFF,
    mutator: 'ConditionalExpression',
    original: 'lower(key) === key',
    replacement: 'true',
    reason:
      'the key is already lower-cased, and lower-casing is idempotent for every string in current Unicode (the check guards against a future change)',
  },
  {
    file: ID_TOKEN,
    mutator: 'ArrayDeclaration',
    original: '[payload.aud]',
    replacement: '[]',
    reason:
      'the list is only asked whether it has more than one audience, and a single `aud` string gives 1 or 0: both no (azp with one audience is checked, and killed, on the next condition)',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'EqualityOperator',
    original: 'depth > 0',
    replacement: 'depth >= 0',
    reason: 'at depth 0 the value is the claims object, already checked to be a JSON object',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'ConditionalExpression',
    original: 'depth > 0',
    replacement: 'true',
    reason: 'at depth 0 the value is the claims object, already checked to be a JSON object',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'EqualityOperator',
    original: 'index < count',
    replacement: 'index <= count',
    reason:
      'the extra pass reads `entries[count] ?? ""`: an empty name, no NUL, never too long, dropped and not counted (droppedEmpty is count minus kept)',
  },
  {
    file: CLAIM_PATH,
    mutator: 'EqualityOperator',
    original: 'i < path.length',
    replacement: 'i <= path.length',
    reason: 'the extra pass reads `charAt(length)`, the empty string, and appends nothing',
  },
]
