// Lower-casings that differ from the rules' (ECMAScript's `toLowerCase`, docs/rules.md Part 1),
// written in JavaScript the way other platforms behave, for the runner's own tests: a port that
// uses one of them must fail the vectors. Each is built on the native lower-casing and changes
// only what the platform does differently.

// Bound once, before `useLowerCase` replaces the prototype's.
const { toLowerCase } = String.prototype as { toLowerCase: (this: string) => string }
const native = (s: string): string => toLowerCase.call(s)

const SIGMA = '\u03a3'
const isCased = (c: string): boolean => /\p{Cased}/u.test(c)

/**
 * Java's `toLowerCase(Locale.ROOT)`: as ECMAScript, except that a capital sigma is final when a
 * cased letter comes before it **in the same word** and none after it in that word — word
 * boundaries (UAX #29, as Java's `BreakIterator`) rather than skipping case-ignorable characters.
 * So `"A0Σ"` gives `"a0ς"` and `"A^Σ"` gives `"a^σ"`, where ECMAScript gives `"a0σ"` and `"a^ς"`.
 */
export function javaLowerCase(s: string): string {
  if (!s.includes(SIGMA)) return native(s)
  const boundaries = new Set<number>([0, s.length])
  for (const { index, segment } of new Intl.Segmenter('en', { granularity: 'word' }).segment(s)) {
    boundaries.add(index)
    boundaries.add(index + segment.length)
  }
  let out = ''
  for (let i = 0; i < s.length;) {
    const c = String.fromCodePoint(s.codePointAt(i) ?? 0)
    if (c !== SIGMA) {
      out += native(c)
      i += c.length
      continue
    }
    let before = false
    for (let j = i; j > 0 && !boundaries.has(j);) {
      const previous = String.fromCodePoint(s.codePointAt(j - 1) ?? 0)
      const p = /[\udc00-\udfff]/.test(previous) && j >= 2 ? s.slice(j - 2, j) : previous
      if (isCased(p)) {
        before = true
        break
      }
      j -= p.length
    }
    let after = false
    for (let j = i + 1; j < s.length && !boundaries.has(j);) {
      const next = String.fromCodePoint(s.codePointAt(j) ?? 0)
      if (isCased(next)) {
        after = true
        break
      }
      j += next.length
    }
    out += before && !after ? '\u03c2' : '\u03c3'
    i += 1
  }
  return out
}

/**
 * Go's `strings.ToLower`: each code point by its simple mapping (`unicode.ToLower`), with no
 * context and no multi-character mapping — `"Σ"` is always `"σ"`, `"İ"` (U+0130) is `"i"`.
 */
export function goLowerCase(s: string): string {
  let out = ''
  for (const c of s) out += String.fromCodePoint(native(c).codePointAt(0) ?? 0)
  return out
}

/** The full case foldings (CaseFolding.txt, status F and C) that differ from lower-casing. */
const FOLDINGS: Readonly<Record<string, string>> = {
  '\u00b5': '\u03bc',
  '\u00df': 'ss',
  '\u017f': 's',
  '\u0345': '\u03b9',
  '\u03c2': '\u03c3',
  '\u03d0': '\u03b2',
  '\u03d1': '\u03b8',
  '\u03d5': '\u03c6',
  '\u03d6': '\u03c0',
  '\u03f0': '\u03ba',
  '\u03f1': '\u03c1',
  '\u03f5': '\u03b5',
  '\u1e9b': '\u1e61',
  '\u1fbe': '\u03b9',
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
}

/**
 * Python's `str.casefold()`: lower-casing followed by case folding, so `"ß"` becomes `"ss"`, the
 * final `"ς"` becomes `"σ"` and the micro sign `"µ"` becomes `"μ"` (the foldings that differ
 * from lower-casing; Python's `str.lower()` itself agrees with the rules on every character
 * stable since Unicode 5.1).
 */
export function pythonCaseFold(s: string): string {
  let out = ''
  for (const c of native(s)) out += FOLDINGS[c] ?? c
  return out
}

/**
 * Makes every `toLowerCase` of this process the given one: a port built on it (the TypeScript
 * port, whose Part 1 calls `toLowerCase`) then lower-cases as that platform does.
 */
export function useLowerCase(lower: (s: string) => string): void {
  // The whole point: the port's one call into the platform, replaced.
  String.prototype.toLowerCase = function (this: string): string {
    return lower(this)
  }
}
