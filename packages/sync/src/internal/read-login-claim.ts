import {
  DEFAULT_MAX_GROUPS,
  DEFAULT_MAX_NAME_LENGTH,
  extractGroupsClaim,
  formatJsonPointer,
  parseClaimPath,
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
import { claimsTokenTime, latestTokenTime, tokenIssuedAt } from './login-call.js'

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
/** A claim the token does not carry that a resolver is asked for. */
type Unsent = Overage | Extract<GroupsClaimState, { state: 'absent' }>

/**
 * Verifies the login (when given a token), checks the token times of claims verified elsewhere,
 * reads its groups claim and applies the claim-state policy (points 2 and 3 of the sync). A Left
 * is a failure that writes nothing (invalid token, invalid input); a denial is a Right `deny`
 * reading, for the caller to audit.
 */
export const readLoginClaim = (
  input: LoginSyncInput,
  deps: SyncDeps,
  policy: ResolvedSyncPolicy,
): TaskEither<LoginSyncError, ClaimReading> =>
  pipe(
    verifyLogin(input, deps.verification),
    TE.mapLeft(asSyncInputError),
    TE.bindTo('login'),
    TE.bindW('issuedAt', ({ login }) =>
      TE.fromEither(
        input.claims === undefined
          ? E.right(tokenIssuedAt(login.claims, latestTokenTime(deps)))
          : claimsTokenTime(login.claims, deps),
      ),
    ),
    TE.chainW(({ login, issuedAt }) =>
      pipe(
        readVerifiedClaim(login.claims, login.userinfo, { input, deps, policy }),
        TE.map((reading) =>
          issuedAt === undefined ? reading : { ...reading, tokenIssuedAt: issuedAt },
        ),
      ),
    ),
  )

/**
 * The members of the login input the claims package checks, and `verification`, which a token
 * needs: to the sync they are its own input and configuration (rule S2's `SYNC_INPUT_INVALID`).
 * (A userinfo that is not an object stays the claims package's `CLAIMS_INPUT_INVALID`, rule C4.)
 */
const LOGIN_INPUT_PATHS: ReadonlySet<string | undefined> = new Set([
  '',
  '/idToken',
  '/claims',
  '/accessToken',
  '/verification',
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
  ctx: Omit<PolicyContext, 'loginDigest' | 'claims'>,
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
  const context: PolicyContext = { ...ctx, loginDigest, claims: idTokenClaims }
  // The one step that calls out (the resolver): a resolver that rejects instead of returning a
  // Left is SYNC_FAILED.
  return TE.tryCatch(() => applyClaimPolicy(extracted.right, context), toLoginSyncError)
}

/** What the policy step needs besides the state. */
interface PolicyContext {
  readonly input: LoginSyncInput
  readonly deps: SyncDeps
  readonly policy: ResolvedSyncPolicy
  readonly loginDigest: () => string
  /** The verified ID token's claims: the resolver's answer must be about their user. */
  readonly claims: Readonly<Record<string, unknown>>
}

/**
 * Point 3: present syncs, absent follows the policy, over-limit is denied, and an overage (or an
 * absent claim under `absent: 'resolve'`) is resolved once: `resolvedFrom` is the claim a
 * resolver answered for, and an answer that would need resolving again is denied.
 */
async function applyClaimPolicy(
  state: GroupsClaimState,
  ctx: PolicyContext,
  resolvedFrom?: Unsent,
): Promise<ClaimReading> {
  switch (state.state) {
    case 'present':
      if (resolvedFrom === undefined) return present(state, 'present', 'present')
      return resolvedFrom.state === 'overage'
        ? present(state, 'overage', 'overage-resolved')
        : present(state, 'absent', 'absent-resolved')
    case 'absent':
      if (ctx.policy.absent !== 'resolve') return absent(ctx.policy, ctx.loginDigest)
      if (resolvedFrom === undefined) return resolveClaim(state, ctx)
      return unsent(resolvedFrom, ctx, 'GROUPS_CLAIM_ABSENT_DENIED', {
        message:
          'The groups resolver found no groups claim either; nothing changed. Check the resolver.',
      })
    case 'over-limit':
      return overLimit(state, ctx.policy, ctx.loginDigest)
    case 'overage':
      if (resolvedFrom === undefined) return resolveClaim(state, ctx)
      return unsent(resolvedFrom, ctx, 'GROUPS_CLAIM_OVERAGE_UNRESOLVED', {
        message:
          'The distributed-claims resolver answered with another overage; nothing changed. Check the claim source the provider points to.',
        source: state.source,
      })
  }
}

/**
 * A denial about a claim the token does not carry: the event names the overage (or the claim's
 * path), and the error its claim source name (or path) unless told otherwise.
 */
function unsent(
  claim: Unsent,
  ctx: PolicyContext,
  code: 'GROUPS_CLAIM_ABSENT_DENIED' | 'GROUPS_CLAIM_OVERAGE_UNRESOLVED',
  error: { message: string; path?: string; source?: string; cause?: ClaimsError },
): Extract<ClaimReading, { kind: 'deny' }> {
  const overage = claim.state === 'overage'
  const { message, path = claimPointer(ctx.policy), cause } = error
  return deny(
    new SyncError(code, message, { path, ...(cause === undefined ? {} : { cause }) }),
    claim.state,
    error.source ?? (overage ? claim.source : null),
    ctx.loginDigest(),
    {
      ...(overage ? overageDetail(claim) : { path: claimPath(ctx.policy) }),
      ...(cause === undefined ? {} : claimsErrorDetail(cause)),
    },
  )
}

const claimPath = (policy: ResolvedSyncPolicy): string => policy.claimsOptions.path ?? 'groups'

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

async function resolveClaim(claim: Unsent, ctx: PolicyContext): Promise<ClaimReading> {
  const { input, deps, policy } = ctx
  const overage = claim.state === 'overage'
  const code = overage ? 'GROUPS_CLAIM_OVERAGE_UNRESOLVED' : 'GROUPS_CLAIM_ABSENT_DENIED'
  if ((overage && policy.overage === 'deny') || deps.resolver === undefined) {
    const message = overage
      ? `The provider left the groups out of the login because there are too many (an overage), and ${policy.overage === 'deny' ? "the org's policy denies overages" : 'no distributed-claims resolver is configured'}; nothing changed. Configure deps.resolver (for Entra ID, createMicrosoftGraphGroupsResolver), or have the provider send only the groups assigned to this application.`
      : `The login carries no groups claim at ${JSON.stringify(claimPath(policy))}, the org's policy is to resolve it, and no resolver is configured; nothing changed. Configure deps.resolver (for Google Workspace, createGoogleDirectoryGroupsResolver).`
    return unsent(claim, ctx, code, { message })
  }
  const subject = ctx.claims['sub']
  const context = {
    subject: typeof subject === 'string' ? subject : '',
    claims: ctx.claims,
    options: policy.claimsOptions,
    ...(input.accessToken === undefined ? {} : { accessToken: input.accessToken }),
  }
  const resolved = await deps.resolver.resolve(claim, context)()
  if (E.isRight(resolved)) return applyClaimPolicy(resolved.right, ctx, claim)
  const cause = resolved.left
  const denial = unsent(claim, ctx, code, {
    message: `The ${overage ? 'distributed-claims' : 'groups'} resolver failed (${cause.code}) to fetch the groups; nothing changed. See the cause.`,
    cause,
  })
  // A denial code of the resolver's own (a failed distributed claim, a malformed one) is the denial.
  return DENIAL_CODES.has(cause.code) ? { ...denial, error: cause } : denial
}

function present(
  read: Extract<GroupsClaimState, { state: 'present' }>,
  state: ClaimSummary['state'],
  applied: 'present' | 'overage-resolved' | 'absent-resolved',
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

/**
 * The JSON Pointer of the groups claim in the claims objects: the `path` of a denial about the
 * claim's state. The claim path was parsed when the claim was read, so it parses here.
 */
const claimPointer = (policy: ResolvedSyncPolicy): string => {
  const parsed = parseClaimPath(policy.claimsOptions.path ?? 'groups')
  return parsed._tag === 'Right' ? formatJsonPointer(parsed.right) : '/groups'
}

function absent(policy: ResolvedSyncPolicy, loginDigest: () => string): ClaimReading {
  const path = claimPath(policy)
  if (policy.absent === 'deny') {
    return deny(
      new SyncError(
        'GROUPS_CLAIM_ABSENT_DENIED',
        `The login carries no groups claim at ${JSON.stringify(path)} and the org's policy denies such logins; nothing changed. Check that the provider sends the claim (scope, claim mapping, claim path), or set the policy's absent to 'empty' or 'keep'.`,
        { path: claimPointer(policy) },
      ),
      'absent',
      null,
      loginDigest(),
      { path: claimPointer(policy) },
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

/**
 * Rule S3's over-limit denial, its message stating the limit and the value found, with the next
 * step that fits the cause: a list too long or a name too long may be legitimate (raise the
 * limit), a NUL never is.
 */
function overLimit(
  state: Extract<GroupsClaimState, { state: 'over-limit' }>,
  policy: ResolvedSyncPolicy,
  loginDigest: () => string,
): ClaimReading {
  const { maxGroups = DEFAULT_MAX_GROUPS, maxNameLength = DEFAULT_MAX_NAME_LENGTH } =
    policy.claimsOptions
  const entry = `Entry ${state.index ?? '?'} of the groups claim`
  const refused = 'the sync was refused and nothing changed'
  let message: string
  let limit: number | undefined
  switch (state.reason) {
    case 'too-many':
      limit = maxGroups
      message = `The groups claim holds ${state.count} entries, more than maxGroups (${maxGroups}); ${refused}. Have the provider send only this application's groups, or raise maxGroups if the claim is right.`
      break
    case 'name-too-long':
      limit = maxNameLength
      message = `${entry} is ${state.length ?? '?'} UTF-16 code units long, more than maxNameLength (${maxNameLength}); ${refused}. Shorten the group's name at the provider, or raise maxNameLength.`
      break
    case 'nul-character':
      message = `${entry} holds a NUL character, which no group name may hold; ${refused}. Fix the group's name, or the claim mapping, at the identity provider.`
  }
  return deny(
    new SyncError('GROUPS_CLAIM_OVER_LIMIT', message, {
      path: claimPointer(policy),
      value: state.reason,
    }),
    'over-limit',
    state.source,
    loginDigest(),
    {
      reason: state.reason,
      count: state.count,
      ...maybe('index', state.index),
      ...maybe('length', state.length),
      ...maybe('limit', limit),
    },
  )
}

function deny(
  error: LoginSyncError,
  state: DeniedClaim['state'],
  source: string | null,
  digest: string,
  detail: DeniedClaim['detail'],
): Extract<ClaimReading, { kind: 'deny' }> {
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
