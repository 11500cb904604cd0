import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  extractGroupsClaim,
  verifyLogin,
  type ClaimsError,
  type GroupsClaimState,
} from '@groupsync/claims'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { TaskEither } from 'fp-ts/lib/TaskEither.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { DENIAL_CODES, SyncError, toLoginSyncError, type LoginSyncError } from '../errors.js'
import type { ResolvedSyncPolicy } from '../sync-policy.js'
import type { ClaimSummary, LoginSyncInput, SyncDeps } from '../sync-types.js'
import { digestGroups, digestLoginClaims } from './claim-digest.js'

/**
 * What the claim of a login allows, before the store is read, with the issue time of its token
 * when it has one (for the stale-token rule, decided under the store's lock).
 */
export type ClaimReading = (
  | { readonly kind: 'sync'; readonly claim: ClaimSummary }
  | { readonly kind: 'keep'; readonly claim: ClaimSummary }
  | { readonly kind: 'deny'; readonly error: LoginSyncError; readonly denied: DeniedClaim }
) & { readonly tokenIssuedAt?: Date }

/** What the `sync.denied` audit event says about a refused claim. */
export interface DeniedClaim {
  readonly state: GroupsClaimState['state'] | 'malformed'
  readonly source: string | null
  readonly digest: string
  readonly detail: { readonly [key: string]: string | number }
}

type Overage = Extract<GroupsClaimState, { state: 'overage' }>

/**
 * Verifies the login (when given a token), reads its groups claim and applies the claim-state
 * policy (points 2 and 3 of the sync). A Left is a failure that writes nothing (invalid token,
 * invalid input); a denial is a Right `deny` reading, for the caller to audit.
 */
export const readLoginClaim = (
  input: LoginSyncInput,
  deps: SyncDeps,
  policy: ResolvedSyncPolicy,
): TaskEither<LoginSyncError, ClaimReading> =>
  pipe(
    verifyLogin(input, deps.verification),
    TE.mapLeft(asSyncInputError),
    TE.chainW(({ claims: idTokenClaims, userinfo }) =>
      pipe(
        readVerifiedClaim(idTokenClaims, userinfo, { input, deps, policy }),
        TE.map((reading) => {
          const issuedAt = tokenIssuedAt(idTokenClaims, deps)
          return issuedAt === undefined ? reading : { ...reading, tokenIssuedAt: issuedAt }
        }),
      ),
    ),
  )

/**
 * The members of the login input the claims package checks, and `verification`, which a token
 * needs: to the sync they are its own input and configuration (rule S2's `SYNC_INPUT_INVALID`).
 */
const LOGIN_INPUT_PATHS: ReadonlySet<string | undefined> = new Set([
  undefined,
  'idToken',
  'claims',
  'accessToken',
  'verification',
])

/** A claims input error about the login input itself, as the sync's input error. */
const asSyncInputError = (error: ClaimsError): LoginSyncError =>
  error.code === 'CLAIMS_INPUT_INVALID' && LOGIN_INPUT_PATHS.has(error.path)
    ? new SyncError('SYNC_INPUT_INVALID', error.message, {
        ...(error.path === undefined ? {} : { path: error.path }),
        cause: error,
      })
    : error

function readVerifiedClaim(
  idTokenClaims: Readonly<Record<string, unknown>>,
  userinfo: unknown,
  ctx: Omit<PolicyContext, 'loginDigest' | 'subject'>,
): TaskEither<LoginSyncError, ClaimReading> {
  const loginDigest = (): string => digestLoginClaims(idTokenClaims, userinfo)
  const extracted = extractGroupsClaim(
    userinfo === undefined ? { idTokenClaims } : { idTokenClaims, userinfo },
    ctx.policy.claimsOptions,
  )
  if (E.isLeft(extracted)) {
    const error = extracted.left
    if (error.code !== 'GROUPS_CLAIM_MALFORMED') return TE.left(error)
    return TE.right(
      deny(error, 'malformed', error.source ?? null, loginDigest(), claimsErrorDetail(error)),
    )
  }
  const subject = idTokenClaims['sub']
  const context: PolicyContext = {
    ...ctx,
    loginDigest,
    ...(typeof subject === 'string' ? { subject } : {}),
  }
  // The one step that calls out (an overage's resolver): a resolver that rejects instead of
  // returning a Left is SYNC_FAILED.
  return TE.tryCatch(() => applyClaimPolicy(extracted.right, context), toLoginSyncError)
}

/**
 * The issue time of the login's token for the stale-token rule: `auth_time` when present, else
 * `iat` (seconds). None when neither is a number, or when it is later than now plus the clock
 * tolerance (only claims verified elsewhere can get here with one): a time in the future would
 * make every later login look stale.
 */
function tokenIssuedAt(
  claims: Readonly<Record<string, unknown>>,
  deps: SyncDeps,
): Date | undefined {
  const authTime = claims['auth_time']
  const seconds = typeof authTime === 'number' ? authTime : claims['iat']
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined
  const tolerance = deps.verification?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS
  const now = (deps.clock ?? (() => new Date()))().getTime()
  const ms = Math.floor(seconds * 1000)
  return ms > now + tolerance * 1000 ? undefined : new Date(ms)
}

/** What the policy step needs besides the state. */
interface PolicyContext {
  readonly input: LoginSyncInput
  readonly deps: SyncDeps
  readonly policy: ResolvedSyncPolicy
  readonly loginDigest: () => string
  /** The login's `sub`, which a claim source's response must be about. */
  readonly subject?: string
}

/**
 * Point 3: present syncs, absent follows the policy, over-limit is denied, and an overage is
 * resolved once (`resolvedFrom` is the overage a resolver answered for; a second one is denied).
 */
async function applyClaimPolicy(
  state: GroupsClaimState,
  ctx: PolicyContext,
  resolvedFrom?: Overage,
): Promise<ClaimReading> {
  switch (state.state) {
    case 'present':
      return resolvedFrom === undefined
        ? present(state, 'present', 'present')
        : present(state, 'overage', 'overage-resolved')
    case 'absent':
      return absent(ctx.policy, ctx.loginDigest)
    case 'over-limit':
      return overLimit(state, ctx.loginDigest)
    case 'overage':
      if (resolvedFrom === undefined) return resolveOverage(state, ctx)
      return deny(
        new SyncError(
          'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
          'The distributed-claims resolver answered with another overage; nothing changed. Check the claim source the provider points to.',
          { path: state.claimSourceName },
        ),
        'overage',
        state.source,
        ctx.loginDigest(),
        overageDetail(resolvedFrom),
      )
  }
}

const overageDetail = (overage: Overage): DeniedClaim['detail'] => ({
  claimSourceName: auditText(overage.claimSourceName),
  ...maybe('endpoint', overage.endpoint === undefined ? undefined : auditText(overage.endpoint)),
})

/** Longest token-supplied text copied into an audit event, in UTF-16 code units. */
const MAX_AUDIT_TEXT = 256

/**
 * Token-supplied text made fit for the audit log: bounded in length, and with the characters no
 * store keeps (NUL, lone surrogates) replaced by U+FFFD. Otherwise a hostile token could make the
 * store refuse the `sync.denied` event, and the denial would go unaudited.
 */
function auditText(text: string): string {
  const bounded = text.length > MAX_AUDIT_TEXT ? `${text.slice(0, MAX_AUDIT_TEXT)}…` : text
  return bounded.replaceAll('\u0000', '\uFFFD').replace(/\p{Cs}/gu, '\uFFFD')
}

async function resolveOverage(overage: Overage, ctx: PolicyContext): Promise<ClaimReading> {
  const { input, deps, policy, loginDigest } = ctx
  if (policy.overage === 'deny' || deps.resolver === undefined) {
    const why =
      policy.overage === 'deny'
        ? "the org's policy denies overages"
        : 'no distributed-claims resolver is configured'
    return deny(
      new SyncError(
        'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
        `The provider left the groups out of the login because there are too many (an overage), and ${why}; nothing changed. Configure a resolver (createHttpDistributedClaimsResolver), or have the provider send only the groups assigned to this application.`,
        { path: overage.claimSourceName },
      ),
      'overage',
      overage.source,
      loginDigest(),
      overageDetail(overage),
    )
  }
  const context = {
    subject: ctx.subject ?? '',
    options: policy.claimsOptions,
    ...(input.accessToken === undefined ? {} : { accessToken: input.accessToken }),
  }
  const resolved = await deps.resolver.resolve(overage, context)()
  if (E.isRight(resolved)) return applyClaimPolicy(resolved.right, ctx, overage)
  const error: LoginSyncError = DENIAL_CODES.has(resolved.left.code)
    ? resolved.left
    : new SyncError(
        'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
        `The distributed-claims resolver failed (${resolved.left.code}) to fetch the groups of an overage; nothing changed. See the cause.`,
        { cause: resolved.left },
      )
  return deny(error, 'overage', overage.source, loginDigest(), {
    ...overageDetail(overage),
    ...claimsErrorDetail(resolved.left),
  })
}

function present(
  read: Extract<GroupsClaimState, { state: 'present' }>,
  state: 'present' | 'overage',
  applied: 'present' | 'overage-resolved',
): ClaimReading {
  const { groups, source, droppedEmpty, sent } = read
  // The digest is of the entries as the provider sent them, so that it can be checked against
  // the token whatever the org's value mapping made of them.
  const digest = digestGroups(sent ?? groups)
  return {
    kind: 'sync',
    claim: {
      state,
      source,
      groups,
      droppedEmpty,
      digest,
      policy: applied,
      ...(sent === undefined ? {} : { sent }),
    },
  }
}

function absent(policy: ResolvedSyncPolicy, loginDigest: () => string): ClaimReading {
  const path = policy.claimsOptions.path ?? 'groups'
  if (policy.absent === 'deny') {
    return deny(
      new SyncError(
        'GROUPS_CLAIM_ABSENT_DENIED',
        `The login carries no groups claim at ${JSON.stringify(path)} and the org's policy denies such logins; nothing changed. Check that the provider sends the claim (scope, claim mapping, claim path), or set the policy's absent to 'empty' or 'keep'.`,
        { path },
      ),
      'absent',
      null,
      loginDigest(),
      { path },
    )
  }
  const groups: readonly string[] = []
  const claim: ClaimSummary = {
    state: 'absent',
    source: null,
    groups,
    droppedEmpty: 0,
    digest: digestGroups(groups),
    policy: policy.absent === 'keep' ? 'absent-keep' : 'absent-as-empty',
  }
  return policy.absent === 'keep' ? { kind: 'keep', claim } : { kind: 'sync', claim }
}

function overLimit(
  state: Extract<GroupsClaimState, { state: 'over-limit' }>,
  loginDigest: () => string,
): ClaimReading {
  const what = {
    'too-many': `${state.count} entries, more than the configured maxGroups`,
    'name-too-long': `an entry (index ${state.index ?? '?'}) longer than the configured maxNameLength`,
    'nul-character': `an entry (index ${state.index ?? '?'}) holding a NUL character`,
  }[state.reason]
  return deny(
    new SyncError(
      'GROUPS_CLAIM_OVER_LIMIT',
      `The groups claim holds ${what}; the sync was refused and nothing changed. Fix the user's groups at the identity provider, or raise the limit in the claims options if the claim is legitimate.`,
      { value: state.reason },
    ),
    'over-limit',
    state.source,
    loginDigest(),
    { reason: state.reason, count: state.count, ...maybe('index', state.index) },
  )
}

function deny(
  error: LoginSyncError,
  state: DeniedClaim['state'],
  source: string | null,
  digest: string,
  detail: DeniedClaim['detail'],
): ClaimReading {
  return { kind: 'deny', error, denied: { state, source, digest, detail } }
}

function claimsErrorDetail(error: ClaimsError): DeniedClaim['detail'] {
  // The path and index say where the claim is wrong; never the offending value, which could be a
  // piece of the claim itself.
  return {
    claimsError: error.code,
    ...maybe('path', error.path === undefined ? undefined : auditText(error.path)),
    ...maybe('index', error.index),
    // Why a distributed claim failed (ENDPOINT_NOT_ALLOWED, SUB_MISMATCH, …): a fixed word.
    ...maybe(
      'failure',
      error.code === 'DISTRIBUTED_CLAIMS_FAILED' && typeof error.value === 'string'
        ? error.value
        : undefined,
    ),
  }
}

function maybe<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
