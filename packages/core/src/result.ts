/**
 * The failure side of a {@link Result}; structurally the same as fp-ts `Left`.
 */
export interface Left<E> {
  readonly _tag: 'Left'
  readonly left: E
}

/**
 * The success side of a {@link Result}; structurally the same as fp-ts `Right`.
 */
export interface Right<A> {
  readonly _tag: 'Right'
  readonly right: A
}

/**
 * A failure or a success, shaped like fp-ts `Either` so adapters can use fp-ts on it directly
 * while `core` stays dependency-free.
 *
 * @example
 * ```ts
 * import * as E from 'fp-ts/Either'
 * const r: Result<string, number> = right(1)
 * E.isRight(r) // true
 * ```
 */
export type Result<E, A> = Left<E> | Right<A>

/** Makes a failed {@link Result}. */
export const left = <E, A = never>(e: E): Result<E, A> => ({ _tag: 'Left', left: e })

/** Makes a successful {@link Result}. */
export const right = <A, E = never>(a: A): Result<E, A> => ({ _tag: 'Right', right: a })

/** Narrows a {@link Result} to its failure side. */
export const isLeft = <E, A>(r: Result<E, A>): r is Left<E> => r._tag === 'Left'

/** Narrows a {@link Result} to its success side. */
export const isRight = <E, A>(r: Result<E, A>): r is Right<A> => r._tag === 'Right'
