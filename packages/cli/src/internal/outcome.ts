import type { Either } from 'fp-ts/lib/Either.js'

/** The value of a Right, or throws the Left (a coded error) for `main` to report. */
export function orThrow<E extends Error, A>(result: Either<E, A>): A {
  if (result._tag === 'Left') throw result.left
  return result.right
}

/** JSON for `--json` output: dates as ISO strings, errors as their code and message. */
export const toJson = (value: unknown): string =>
  JSON.stringify(
    value,
    (_key, v: unknown) =>
      v instanceof Error ? { code: (v as Error & { code?: unknown }).code, message: v.message } : v,
    2,
  )
