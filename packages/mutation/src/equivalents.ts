import type { EquivalentMutant } from './report.js'

const DIFF = 'packages/core/src/compute-membership-diff.ts'
const SLICE = 'packages/core/src/org-group-slice.ts'
const DEFINE_STORE = 'packages/core/src/define-store.ts'
const STORE_LIFECYCLE = 'packages/core/src/store-lifecycle.ts'
const STORE_INPUT = 'packages/core/src/store-input.ts'
const GROUPS_CLAIM = 'packages/claims/src/read-groups-from.ts'
const EXTRACT_CLAIM = 'packages/claims/src/extract-groups-claim.ts'
const CLAIM_PATH = 'packages/claims/src/claim-path.ts'
const ID_TOKEN = 'packages/claims/src/verify-id-token.ts'
const READ_CLAIM = 'packages/sync/src/internal/read-login-claim.ts'
const DECIDE = 'packages/sync/src/internal/decide-login.ts'
const REPORT_AS_SENT = 'packages/sync/src/internal/report-as-sent.ts'
const SYNC_POLICY = 'packages/sync/src/sync-policy.ts'
const EXPLAIN = 'packages/sync/src/explain-membership-diff.ts'
const FRESHNESS = 'packages/sync/src/sync-freshness.ts'

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
    file: DIFF,
    mutator: 'ConditionalExpression',
    original: '!caseInsensitive',
    replacement: 'true',
    // The same test before the claim loop is a real mutant (and killed): only the near-miss block.
    context: 'for (const claim of unmatchedClaims)',
    reason:
      'runs the near-miss block in case-insensitive mode too, where an unmatched entry has no group even up to case (it would have matched one), so it finds no pair',
  },
  {
    file: SLICE,
    mutator: 'EqualityOperator',
    original: 'a < b',
    replacement: 'a <= b',
    reason: 'the keys come from a Set, so the comparator never sees two equal keys',
  },
  {
    file: SLICE,
    mutator: 'ConditionalExpression',
    original: 'a > b',
    replacement: 'true',
    reason: 'the keys are distinct, so where `a < b` is false `a > b` is true',
  },
  {
    file: SLICE,
    mutator: 'EqualityOperator',
    original: 'a > b',
    replacement: 'a >= b',
    reason: 'the keys are distinct, so `a >= b` and `a > b` agree',
  },
  {
    file: SLICE,
    mutator: 'ConditionalExpression',
    original: 'a > b',
    replacement: 'false',
    reason:
      "answers 0 instead of 1 for distinct keys out of order; V8's sort (Node's) only asks whether the comparator is negative, so the order is the same",
  },
  {
    file: SLICE,
    mutator: 'EqualityOperator',
    original: 'a > b',
    replacement: 'a <= b',
    reason:
      "answers 0 instead of 1 for distinct keys out of order; V8's sort (Node's) only asks whether the comparator is negative, so the order is the same",
  },
  {
    file: STORE_LIFECYCLE,
    mutator: 'BlockStatement',
    original: '{ inFlight.delete(p) }',
    replacement: '{}',
    reason:
      'forgetting a settled call only frees memory: close waits for every call in the set, and one that has settled adds no wait',
  },
  {
    file: DEFINE_STORE,
    mutator: 'StringLiteral',
    original: "'remove'",
    replacement: '""',
    context: 'manualChange(',
    reason:
      "a manual change's action is only ever compared with 'add', so '' takes the removal's path",
  },
  {
    file: STORE_INPUT,
    mutator: 'ConditionalExpression',
    original: 'value === undefined',
    replacement: 'false',
    reason:
      'GroupsyncError sets `value` from its options either way: `{ value: undefined }` and no `value` make the same error',
  },
  {
    file: STORE_INPUT,
    mutator: 'ConditionalExpression',
    original: 'cause === undefined',
    replacement: 'false',
    reason:
      'GroupsyncError gives an error a cause only when `options.cause` is defined: `{ cause: undefined }` and `{}` make the same error',
  },
  {
    file: STORE_INPUT,
    mutator: 'ConditionalExpression',
    original: "typeof value.matchMode !== 'string'",
    replacement: 'false',
    reason:
      'the set of match modes holds only strings, so it has no non-string either and the same refusal follows',
  },
  {
    file: STORE_INPUT,
    mutator: 'ConditionalExpression',
    original: "typeof event.type === 'string'",
    replacement: 'true',
    reason: 'the set of store-written types holds only strings: it has no non-string either way',
  },
  {
    file: STORE_INPUT,
    mutator: 'ConditionalExpression',
    original: "typeof event.type !== 'string'",
    replacement: 'false',
    reason:
      'the set of known event types holds only strings, so it has no non-string either and the same refusal follows',
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
    file: ID_TOKEN,
    mutator: 'EqualityOperator',
    original: 'remoteKeySets.size >= MAX_REMOTE_KEY_SETS',
    replacement: 'remoteKeySets.size > MAX_REMOTE_KEY_SETS',
    reason:
      'the cache of remote key sets is cleared one entry later: a bound on memory that nothing outside the module can see, and every key set answers the same whether it was cached or made anew',
  },
  {
    file: ID_TOKEN,
    mutator: 'ConditionalExpression',
    original: 'getter === undefined',
    replacement: 'true',
    reason:
      'a local key set is made anew on every call instead of taken from the cache: createLocalJWKSet of the same keys finds the same key, so only the cost differs',
  },
  {
    file: ID_TOKEN,
    mutator: 'ConditionalExpression',
    original: "typeof payload.iat === 'number'",
    replacement: 'true',
    reason:
      'jose has already refused an `iat` that is present and not a number, so it is a number or undefined, and `undefined > latest` is false',
  },
  {
    file: ID_TOKEN,
    mutator: 'ConditionalExpression',
    original: "typeof authTime !== 'number'",
    replacement: 'false',
    reason:
      '`Number.isFinite` is false for every non-number, so the next test refuses the same values',
  },
  {
    file: ID_TOKEN,
    mutator: 'ConditionalExpression',
    original: 'checks.issuer === undefined',
    replacement: 'false',
    reason:
      'jose checks `issuer !== undefined` (presence and value), so `{ issuer: undefined }` is the option left out',
  },
  {
    file: ID_TOKEN,
    mutator: 'ConditionalExpression',
    original: 'checks.audience === undefined',
    replacement: 'false',
    reason:
      'jose checks `audience !== undefined` (presence and value), so `{ audience: undefined }` is the option left out',
  },
  {
    file: ID_TOKEN,
    mutator: 'ConditionalExpression',
    original: 'checks.maxTokenAge === undefined',
    replacement: 'false',
    reason:
      'jose checks `maxTokenAge !== undefined` (iat required, the age), so `{ maxTokenAge: undefined }` is the option left out',
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
    file: GROUPS_CLAIM,
    mutator: 'ConditionalExpression',
    original: 'index === undefined',
    replacement: 'false',
    // The same test in the two messages of a malformed claim is a real mutant (and killed).
    context: '? {} : { index }',
    reason:
      'ClaimsError sets `index` from its options either way: `{ index: undefined }` and no `index` make the same error',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    context: "path[depth] ?? ''",
    reason:
      'unreachable: the loop runs while `depth < path.length`, so `path[depth]` is a name (the fallback is for noUncheckedIndexedAccess)',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    context: "path[0] ?? ''",
    reason:
      'unreachable: the overage is looked for only when a name of the path selected nothing, so the path has a first name',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'StringLiteral',
    original: "''",
    replacement: '"Stryker was here!"',
    context: "entries[index] ?? ''",
    reason:
      'unreachable: the loop runs while `index < count`, the number of entries, so `entries[index]` is a string (the fallback is for noUncheckedIndexedAccess)',
  },
  {
    file: GROUPS_CLAIM,
    mutator: 'ConditionalExpression',
    original: 'options.delimiter === undefined',
    replacement: 'false',
    reason:
      '`value.split(undefined)` is `[value]` for every string (ECMA-262: an undefined separator gives the whole string as the one element)',
  },
  {
    file: EXTRACT_CLAIM,
    mutator: 'ArrayDeclaration',
    original: '[]',
    replacement: '["Stryker was here"]',
    reason:
      'without a userinfo the extra source is a string, destructured as source "S" and claims "t": a string has no own member, so it holds neither the claim nor a marker, and the state is absent either way',
  },
  {
    file: CLAIM_PATH,
    mutator: 'EqualityOperator',
    original: 'i < path.length',
    replacement: 'i <= path.length',
    reason: 'the extra pass reads `charAt(length)`, the empty string, and appends nothing',
  },
  {
    file: READ_CLAIM,
    mutator: 'ConditionalExpression',
    original: 'error.path === undefined',
    replacement: 'false',
    reason:
      'a SyncError sets `this.path = options.path`, so `{ path: undefined }` is the path left out',
    context: '{ path: error.path }',
  },
  {
    file: READ_CLAIM,
    mutator: 'ConditionalExpression',
    original: 'userinfo === undefined',
    replacement: 'false',
    reason:
      "extractGroupsClaim's input codec has userinfo optional (t.partial) and tests `userinfo === undefined`: `{ userinfo: undefined }` is no userinfo",
  },
  {
    file: READ_CLAIM,
    mutator: 'ConditionalExpression',
    original: "typeof seconds !== 'number'",
    replacement: 'false',
    reason: '`Number.isFinite` is false for every non-number, so the next test refuses it anyway',
  },
  {
    file: DECIDE,
    mutator: 'ConditionalExpression',
    original: 'reading.tokenIssuedAt === undefined',
    replacement: 'false',
    reason:
      "the computed changes' tokenIssuedAt is read only by decisionChanges, through `=== undefined`: a member holding undefined is one left out",
  },
  {
    file: DECIDE,
    mutator: 'ConditionalExpression',
    original: 'maxRemovals !== undefined',
    replacement: 'true',
    reason: '`removals > undefined` is false: no count limit trips without one',
  },
  {
    file: DECIDE,
    mutator: 'ConditionalExpression',
    original: 'maxRemovalPercent !== undefined',
    replacement: 'true',
    reason:
      '`removals * 100 > undefined * memberships` compares with NaN, false: no percentage limit trips without one',
  },
  {
    file: REPORT_AS_SENT,
    mutator: 'ArrayDeclaration',
    original: '[name]',
    replacement: '[]',
    reason:
      'a fallback no input reaches: the mapping gives every name it sends an origin, and the diff reported on was computed from those names',
  },
  {
    file: REPORT_AS_SENT,
    mutator: 'ConditionalExpression',
    original: 'claimsOptions.valueMapping === undefined',
    replacement: 'false',
    reason:
      'compileClaimValueMapping(undefined) is a Left, and on a Left the diff is returned as it is, as here',
  },
  {
    file: SYNC_POLICY,
    mutator: 'ConditionalExpression',
    original: "typeof u === 'number'",
    replacement: 'true',
    reason: '`Number.isSafeInteger` is false for every non-number, so the guard still refuses it',
    context: 'Number.isSafeInteger',
  },
  {
    file: SYNC_POLICY,
    mutator: 'OptionalChaining',
    original: 'preset?.claimsOptions',
    replacement: 'preset.claimsOptions',
    reason:
      'in that branch the policy names a preset the codec accepted, so choosePreset found it and preset is defined',
  },
  {
    file: SYNC_POLICY,
    mutator: 'ConditionalExpression',
    original: 'preset === undefined',
    replacement: 'false',
    reason:
      'without a preset, `preset?.requires.find(…)` is undefined, and `missing === undefined` returns the policy as it is',
  },
  {
    file: EXPLAIN,
    mutator: 'ConditionalExpression',
    original: 'caseInsensitive',
    replacement: 'true',
    reason:
      'the map of entries by key is read only when caseInsensitive: filling it always changes nothing',
    context: 'if (caseInsensitive)',
  },
  {
    file: FRESHNESS,
    mutator: 'ConditionalExpression',
    original: "typeof u === 'number'",
    replacement: 'true',
    reason: '`Number.isFinite` is false for every non-number, so the guard still refuses it',
  },
  {
    file: FRESHNESS,
    mutator: 'StringLiteral',
    original: "'.'",
    replacement: '""',
    reason:
      'the limits are a flat object: a decode failure has a path of at most one key, so the separator is never used',
  },
  {
    file: FRESHNESS,
    mutator: 'EqualityOperator',
    original: 'ageMs < -limits.clockSkewMs',
    replacement: 'ageMs <= -limits.clockSkewMs',
    reason:
      'an age of exactly -clockSkewMs is fresh (clockSkewMs and maxAgeMs are ≥ 0) and never reaches this test',
  },
]
