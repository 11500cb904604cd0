import {
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  decodeWith,
  formatJsonPointer,
  GroupsClaimOptionsCodec,
  IdTokenVerificationCodec,
  ProviderPresetNameCodec,
  strictObject,
  type DecodeFailure,
} from '@groupsync/claims'
import type { LoginSyncStore } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { SyncError } from '../errors.js'
import type { LoginSyncInput, SyncDeps } from '../sync-types.js'
import { fn, guarded, role, scalarValue, shown } from './codecs.js'

// What crosses the edge of a login, decoded once at the call: the dependencies (a strict codec:
// a missing or misspelt member is named), whose login it is, and — once the claims are read —
// the token times of claims verified elsewhere. The steps after trust what is checked here.

/** A login sync's call, decoded. */
export interface LoginCall {
  readonly input: LoginSyncInput
  readonly deps: SyncDeps
}

const Flag = guarded('true or false', (u): u is boolean => typeof u === 'boolean')

/** The members of the login role the sync calls, the heart of the role first. */
const LoginStoreCodec = role<LoginSyncStore>('a login-sync store', [
  'withLoginSync',
  'getOrgSettings',
  'readLastSync',
])

/** The io-ts codec of {@link SyncDeps}: only `store` is required, and no other member allowed. */
const SyncDepsCodec: t.Decoder<unknown, SyncDeps> & { is: t.Is<SyncDeps> } = strictObject(
  t.intersection([
    t.type({ store: LoginStoreCodec }),
    t.partial({
      verification: IdTokenVerificationCodec,
      preset: ProviderPresetNameCodec,
      claimsOptions: GroupsClaimOptionsCodec,
      resolver: role<NonNullable<SyncDeps['resolver']>>('a distributed-claims resolver', [
        'resolve',
      ]),
      policy: fn<NonNullable<SyncDeps['policy']>>('a function from an org id to its policy'),
      clock: fn<NonNullable<SyncDeps['clock']>>('a function that returns the time'),
      telemetry: strictObject(
        t.partial({ recordGroupNames: Flag, recordUserId: Flag }),
        'an object of recordGroupNames and recordUserId',
      ),
    }),
  ]),
  "the sync's dependencies",
)

/** The login input: whose login, and the members the claims package reads (checked there). */
const LoginInputCodec = strictObject(
  t.intersection([
    t.type({ orgId: t.string, userId: t.string }),
    t.partial({
      idToken: t.unknown,
      claims: t.unknown,
      userinfo: t.unknown,
      accessToken: t.unknown,
    }),
  ]),
  'the login input',
)

const invalid = (message: string, path: string, value?: unknown): SyncError =>
  new SyncError('SYNC_INPUT_INVALID', message, { path, ...scalarValue(value) })

const refusedDeps = (failure: DecodeFailure): SyncError => {
  const path = formatJsonPointer(failure.path)
  const [member, inner] = failure.path
  if (failure.kind === 'unknown-key') {
    return invalid(
      `The sync's dependencies have no member ${shown(failure.path.at(-1))} (see path); they are ${failure.known.join(', ')}. Check its spelling.`,
      path,
    )
  }
  if (member === undefined) {
    return invalid("The sync's dependencies must be an object with at least a store.", path)
  }
  if (member === 'store') {
    return invalid(
      inner === undefined
        ? 'The sync needs a store (deps.store): a MembershipStore, or your own tables wrapped with defineLoginSyncStore.'
        : `deps.store has no ${inner} function, so it is not a login-sync store (a pg.Pool is not one): pass createPostgresMembershipStore({ pool }), or wrap your tables with defineLoginSyncStore.`,
      path,
    )
  }
  return invalid(
    `The sync's dependency ${path} is ${shown(failure.value)}; it must be ${failure.expected}.`,
    path,
    failure.value,
  )
}

const refusedInput = (failure: DecodeFailure): SyncError => {
  const path = formatJsonPointer(failure.path)
  if (failure.kind === 'unknown-key') {
    return invalid(
      `The login input has no member ${shown(failure.path.at(-1))}; its members are ${failure.known.join(', ')}. Check its spelling.`,
      path,
    )
  }
  return path === ''
    ? invalid('The login input must be an object: { orgId, userId, and idToken or claims }.', path)
    : invalid(
        `The login input's ${path.slice(1)} is ${shown(failure.value)}; it must be the login's ${path === '/orgId' ? 'organisation' : 'user'} id, a string.`,
        path,
        failure.value,
      )
}

/** Decodes with `codec`, trying its guard first: a call that is right allocates nothing more. */
const decoder = <A>(
  codec: t.Decoder<unknown, A> & { is: t.Is<A> },
  refused: (f: DecodeFailure) => SyncError,
) => {
  const decode = decodeWith(codec, refused)
  return (u: unknown): Either<SyncError, A> => (codec.is(u) ? E.right(u) : decode(u))
}

const decodeDeps = decoder(SyncDepsCodec, refusedDeps)
const decodeInput = decoder(
  LoginInputCodec as t.Decoder<unknown, LoginSyncInput> & { is: t.Is<LoginSyncInput> },
  refusedInput,
)

/**
 * The call decoded: the dependencies first (a misconfigured service fails every login, whatever
 * the input), then whose login it is. The claims are not looked at here: with mapping off they
 * are never read (rule S1).
 */
export function decodeLoginCall(input: unknown, deps: unknown): Either<SyncError, LoginCall> {
  const checkedDeps = decodeDeps(deps)
  if (E.isLeft(checkedDeps)) return checkedDeps
  const checkedInput = decodeInput(input)
  return E.isLeft(checkedInput)
    ? checkedInput
    : E.right({ input: checkedInput.right, deps: checkedDeps.right })
}

/** A NumericDate looks like milliseconds above this: 10^11 seconds is the year 5138. */
const LARGEST_SECONDS = 1e11

const toleranceOf = (deps: SyncDeps): number =>
  deps.verification?.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS

/** The latest token time accepted: now plus the clock tolerance, in milliseconds. */
export const latestTokenTime = (deps: SyncDeps): number =>
  (deps.clock ?? (() => new Date()))().getTime() + toleranceOf(deps) * 1000

/**
 * The issue time of a login's token for rule S12: `auth_time` when present, else `iat`. None when
 * neither is a number of seconds ≥ 0, or when it is later than now plus the clock tolerance: a
 * time in the future would make every later login look stale. (An ID token verified here has
 * had its times checked by rule C1, against the system clock rather than the sync's.)
 */
export function tokenIssuedAt(
  claims: Readonly<Record<string, unknown>>,
  latest: number,
): Date | undefined {
  const authTime = claims['auth_time']
  const seconds = typeof authTime === 'number' ? authTime : claims['iat']
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined
  const ms = Math.floor(seconds * 1000)
  return ms > latest ? undefined : new Date(ms)
}

/**
 * Rule S12's token times of claims verified elsewhere: `iat`, `auth_time` and `exp`, when
 * present, are NumericDates — finite numbers of seconds ≥ 0, not milliseconds — and `iat` and
 * `auth_time` are not later than now plus the clock tolerance, as rule C1 requires of an ID
 * token. Anything else is refused before the claim is read, so nothing is written; a token
 * without them is not compared (`undefined`).
 */
export function claimsTokenTime(
  claims: Readonly<Record<string, unknown>>,
  deps: SyncDeps,
): Either<SyncError, Date | undefined> {
  const latest = latestTokenTime(deps)
  for (const name of ['iat', 'auth_time', 'exp']) {
    if (!Object.hasOwn(claims, name)) continue
    const value = claims[name]
    const why =
      typeof value !== 'number' || !Number.isFinite(value) || value < 0
        ? `is ${shown(value)}, not a NumericDate (seconds since 1970): pass the claims as your OIDC client verified them`
        : value > LARGEST_SECONDS
          ? `is ${value}, which looks like milliseconds: a NumericDate is in seconds (divide by 1000)`
          : name !== 'exp' && value * 1000 > latest
            ? `is ${new Date(value * 1000).toISOString()}, in the future beyond the clock tolerance (${toleranceOf(deps)} s): refused, as for an ID token; check the clocks`
            : undefined
    if (why !== undefined) {
      return E.left(
        invalid(`The login's ${name} ${why}. Nothing was written.`, `/claims/${name}`, value),
      )
    }
  }
  return E.right(tokenIssuedAt(claims, latest))
}
