import { compareCodeUnits } from '@groupsync/core'
import type { Either } from 'fp-ts/lib/Either.js'
import { mapLeft } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'

/**
 * The one failure of an io-ts decode that is reported, as data a package turns into its own
 * coded error: where it is (`path`, the keys from the input down, none for the input itself),
 * and either a field no codec there names (`unknown-key`, with the names `known` there) or a
 * value that is not what the codec takes (`invalid`, with the codec's name as `expected`).
 */
export type DecodeFailure =
  | {
      readonly kind: 'unknown-key'
      readonly path: readonly string[]
      readonly value: unknown
      /** The field names the object at that place takes. */
      readonly known: readonly string[]
    }
  | {
      readonly kind: 'invalid'
      readonly path: readonly string[]
      readonly value: unknown
      /** The name of the codec the value failed, e.g. `"empty" | "keep" | "deny"`. */
      readonly expected: string
    }

/**
 * A codec of the values a type guard accepts, named for what it accepts (`"a whole number ≥ 0"`):
 * the reporter gives the name as what was expected, so a message can say it.
 *
 * @example
 * ```ts
 * const Count = guarded('a whole number ≥ 0', (u): u is number => Number.isSafeInteger(u) && (u as number) >= 0)
 * decodeWith(Count, (failure) => failure.expected)(-1) // left('a whole number ≥ 0')
 * ```
 */
export const guarded = <A>(name: string, is: (u: unknown) => u is A): t.Type<A, A> =>
  new t.Type<A, A>(name, is, (u, c) => (is(u) ? t.success(u) : t.failure(u, c)), t.identity)

/**
 * The codec of an unknown field: it takes nothing, and it tells the reporter which names the
 * object around it does take.
 */
class UnknownKeyType extends t.Type<never, never> {
  readonly _tag = 'UnknownKeyType' as const
  constructor(readonly known: readonly string[]) {
    super(
      'no field of that name',
      (_u): _u is never => false,
      (u, c) => t.failure(u, c),
      t.identity,
    )
  }
}

function propsOf(codec: t.HasProps): string[] {
  switch (codec._tag) {
    case 'RefinementType':
    case 'ReadonlyType':
      return propsOf(codec.type)
    case 'IntersectionType':
      return codec.types.flatMap(propsOf)
    default:
      return Object.keys(codec.props as t.Props)
  }
}

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/** See {@link strictObject}. */
class StrictObjectType<C extends t.HasProps> extends t.Type<t.TypeOf<C>, t.OutputOf<C>> {
  readonly _tag = 'StrictObjectType' as const
  constructor(
    readonly type: C,
    name: string,
  ) {
    const known = propsOf(type)
    const knownSet = new Set(known)
    const marker = new UnknownKeyType(known)
    const unknownKeys = (u: Record<string, unknown>): string[] =>
      Object.keys(u)
        .filter((key) => !knownSet.has(key))
        .sort(compareCodeUnits)
    // The guard allocates nothing: a caller that decodes on every call (the sync's dependencies)
    // tries it first.
    const onlyKnown = (u: Record<string, unknown>): boolean => {
      for (const key in u) if (Object.hasOwn(u, key) && !knownSet.has(key)) return false
      return true
    }
    super(
      name,
      (u): u is t.TypeOf<C> => isPlainObject(u) && onlyKnown(u) && type.is(u),
      (u, c) => {
        if (!isPlainObject(u)) return t.failure(u, c)
        const unknown: t.Errors = unknownKeys(u).map((key) => ({
          value: u[key],
          context: [...c, { key, type: marker, actual: u[key] }],
        }))
        const decoded = type.validate(u, c)
        if (decoded._tag === 'Left') return t.failures([...unknown, ...decoded.left])
        return unknown.length === 0 ? decoded : t.failures(unknown)
      },
      (a) => type.encode(a) as t.OutputOf<C>,
    )
  }
}

/**
 * An object codec that refuses fields it does not name. io-ts's `t.type` and `t.partial` ignore
 * them and `t.exact` strips them, so a misspelt field (`removalMod`) would silently fall back to
 * its default; here it is a failure at its own path, reported before any invalid value. Unknown
 * names are listed in code-unit order, so every port reports the same one first.
 *
 * @example
 * ```ts
 * const Guard = strictObject(t.partial({ maxRemovals: t.number }))
 * Guard.decode({ maxRemoval: 3 }) // Left: unknown-key at ['maxRemoval']
 * ```
 */
export function strictObject<C extends t.HasProps>(
  codec: C,
  name: string = codec.name,
): t.Type<t.TypeOf<C>, t.OutputOf<C>> {
  return new StrictObjectType(codec, name)
}

/** Codecs that validate through an inner codec in the same place of the input. */
const WRAPPERS: ReadonlySet<string> = new Set([
  'ReadonlyType',
  'RefinementType',
  'ExactType',
  'StrictObjectType',
])

/** The tag of the codec that really decides at a place, under wrappers that add no place. */
function effectiveTag(type: t.Decoder<unknown, unknown> | undefined): string | undefined {
  let current = type as { readonly _tag?: string; readonly type?: unknown } | undefined
  while (current?._tag !== undefined && WRAPPERS.has(current._tag)) {
    current = current.type as typeof current
  }
  return current?._tag
}

const toFailure = (error: t.ValidationError): DecodeFailure => {
  const [root, ...rest] = error.context
  const path: string[] = []
  let parent: t.Decoder<unknown, unknown> | undefined = root?.type
  let type = parent
  let value: unknown = root === undefined ? error.value : root.actual
  for (const entry of rest) {
    // An unknown field's entry is the strict object's own, whatever codec it wraps.
    const tag = entry.type instanceof UnknownKeyType ? undefined : effectiveTag(parent)
    // A union is reported as a whole ("a string or an array"), not by the member that failed
    // first; an intersection's members are not places in the input.
    if (tag === 'UnionType') break
    parent = entry.type
    if (tag === 'IntersectionType') continue
    path.push(entry.key)
    type = entry.type
    value = entry.actual
  }
  return type instanceof UnknownKeyType
    ? { kind: 'unknown-key', path, value, known: type.known }
    : { kind: 'invalid', path, value, expected: type?.name ?? 'a value' }
}

/**
 * The reporter: the one failure of an io-ts decode to report — the first unknown field (see
 * {@link strictObject}) if there is one, else the first failure in the codec's own order.
 *
 * @example
 * ```ts
 * const decoded = Policy.decode(input)
 * if (isLeft(decoded)) console.error(formatJsonPointer(decodeFailure(decoded.left).path))
 * ```
 */
export function decodeFailure(errors: t.Errors): DecodeFailure {
  const failures = errors.map(toFailure)
  return (
    failures.find((f) => f.kind === 'unknown-key') ??
    failures[0] ?? { kind: 'invalid', path: [], value: undefined, expected: 'a value' }
  )
}

/**
 * Decodes with a codec and turns a failure into the caller's coded error, built from the one
 * {@link decodeFailure} reported, so each package keeps its own code and message; its `path` is
 * the failure's path as a JSON Pointer (`formatJsonPointer`), under what the caller was given.
 *
 * @example
 * ```ts
 * const decodeOptions = decodeWith(GroupsClaimOptionsCodec, (f) =>
 *   new ClaimsError('CLAIMS_INPUT_INVALID', 'The option is invalid.', { path: formatJsonPointer(f.path) }),
 * )
 * decodeOptions({ maxGroups: -1 }) // Left(ClaimsError CLAIMS_INPUT_INVALID at maxGroups)
 * ```
 */
export const decodeWith =
  <A, E>(codec: t.Decoder<unknown, A>, toError: (failure: DecodeFailure) => E) =>
  (input: unknown): Either<E, A> =>
    mapLeft((errors: t.Errors) => toError(decodeFailure(errors)))(codec.decode(input))
