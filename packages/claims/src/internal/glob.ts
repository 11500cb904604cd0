/**
 * Glob patterns for claim values, matched without regular expressions so that no token value can
 * make the match slow: `*` is any run of UTF-16 code units (also none), `?` exactly one, and `\`
 * makes the next character literal. Everything else, `[` included, is literal and case-sensitive.
 *
 * A pattern is cut at its stars into segments. The first segment must match at the start, the last
 * at the end, and each middle one at its leftmost place after the previous one: taking the leftmost
 * place never loses a match, because a star can absorb whatever lies between two segments. So no
 * choice is ever revisited, and a match costs at most (|value| + 1) × (|pattern| + 1) comparisons
 * — linear in the value for a configured pattern, however the value is built.
 */

/** One position of a segment: a code unit to equal, or `ANY` for `?`. */
const ANY = -1

/** A compiled glob: the segments between its stars. */
export interface Glob {
  readonly source: string
  /** The segments; with no star there is exactly one and the value must equal it. */
  readonly segments: readonly (readonly number[])[]
  readonly hasStar: boolean
}

/** Compiles a glob, or returns why it is invalid (a trailing lone backslash). */
export function compileGlob(source: string): Glob | string {
  const segments: number[][] = [[]]
  let hasStar = false
  for (let i = 0; i < source.length; i += 1) {
    const unit = source.charCodeAt(i)
    const current = segments[segments.length - 1] as number[]
    if (unit === 0x5c /* \ */) {
      if (i + 1 === source.length) return 'a backslash must be followed by the character it escapes'
      i += 1
      current.push(source.charCodeAt(i))
    } else if (unit === 0x2a /* * */) {
      hasStar = true
      segments.push([])
    } else if (unit === 0x3f /* ? */) {
      current.push(ANY)
    } else {
      current.push(unit)
    }
  }
  return { source, segments, hasStar }
}

/** Counts comparisons, so that tests can check the bound without timing anything. */
export interface StepCounter {
  steps: number
}

function matchesAt(
  value: string,
  at: number,
  segment: readonly number[],
  counter: StepCounter | undefined,
): boolean {
  for (let k = 0; k < segment.length; k += 1) {
    if (counter !== undefined) counter.steps += 1
    const want = segment[k] as number
    if (want !== ANY && want !== value.charCodeAt(at + k)) return false
  }
  return true
}

/** True when `value` matches the glob (see the module comment for the cost bound). */
export function matchGlob(glob: Glob, value: string, counter?: StepCounter): boolean {
  const { segments } = glob
  const first = segments[0] as readonly number[]
  if (!glob.hasStar) {
    return value.length === first.length && matchesAt(value, 0, first, counter)
  }
  const last = segments[segments.length - 1] as readonly number[]
  const end = value.length - last.length
  if (end < first.length) return false
  if (!matchesAt(value, 0, first, counter) || !matchesAt(value, end, last, counter)) return false
  let from = first.length
  for (let s = 1; s < segments.length - 1; s += 1) {
    const segment = segments[s] as readonly number[]
    let found = -1
    for (let at = from; at + segment.length <= end; at += 1) {
      if (matchesAt(value, at, segment, counter)) {
        found = at
        break
      }
    }
    if (found < 0) return false
    from = found + segment.length
  }
  return true
}
