import { StoreError } from '@groupsync/core'
import { SLICE_FOLD_FROM, SLICE_FOLD_TO, SLICE_FOLD_UNICODE } from './slice-fold-table.js'

// How a login finds the groups of its slice (rule 11) with the database's help, without a column
// of keys the application would have to fill: the database folds each name with a fixed function
// and looks the claim's folded keys up through an expression index; core then keeps exactly the
// slice. The fold is JavaScript's per-code-point lower-casing (the table), with 'İ' spelt out and
// both sigmas alike, so fold(name) = fold(sliceKey(name)) for every name, and two names with the
// same slice key always have the same fold: no group of the slice is missed, whatever the
// database's locale (whose lower() may not lower 'É' at all, or lower 'İ' to 'i').

/** The fold function's name: the Unicode version is part of it, so a new table never reuses it. */
export const SLICE_FOLD_FUNCTION = `slice_fold_u${SLICE_FOLD_UNICODE.replace('.', '_')}`

const ASCII_UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/**
 * The SQL that creates the fold function in schema `q` (quoted); safe to run again. An ASCII name
 * (as many bytes as characters) takes a 26-letter translate; the full table costs a search of its
 * 1,488 characters per character, paid only by a name with other characters, and only when a
 * name is written (the index keeps the result; a login folds its keys in JavaScript).
 */
export const sliceFoldFunctionSql = (q: string): string =>
  `CREATE OR REPLACE FUNCTION ${q}.${SLICE_FOLD_FUNCTION}(name text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $fold$ SELECT CASE WHEN octet_length($1) = char_length($1)
    THEN translate($1, '${ASCII_UPPER}', '${ASCII_UPPER.toLowerCase()}')
    ELSE translate(replace($1, '\u0130', 'i\u0307'), $f$${SLICE_FOLD_FROM}$f$, $t$${SLICE_FOLD_TO}$t$)
  END $fold$`

/** The indexed expression of a name column: a 64-bit hash of its fold (btree entries are small). */
export const foldedHash = (q: string, column: string): string =>
  `hashtextextended(${q}.${SLICE_FOLD_FUNCTION}(${column}), 0)`

let table: Map<string, string> | undefined

/**
 * The fold of `text` as the database's function computes it, for the keys a login looks up: the
 * same table, one code point at a time, so that the hash of a key's fold is the hash the index
 * keeps for every name of that slice key.
 */
export const fold = (text: string): string => {
  // Printable ASCII: the table's answer is toLowerCase's. Anything else goes through the table,
  // one code point at a time (not code unit), as the database's translate does.
  if (/^[\t\n\r -~]*$/.test(text)) return text.toLowerCase()
  if (table === undefined) {
    const to = Array.from(SLICE_FOLD_TO)
    table = new Map(Array.from(SLICE_FOLD_FROM, (c, i) => [c, to[i] ?? c]))
  }
  const map = table
  let folded = ''
  for (const c of text.replaceAll('\u0130', 'i\u0307')) folded += map.get(c) ?? c
  return folded
}

let checked = SLICE_FOLD_UNICODE === process.versions.unicode

/**
 * On a runtime whose Unicode differs from the table's, checks once (about half a second) that
 * every code point still folds like its lower case; refuses to run a store that could miss a
 * group of a slice otherwise.
 *
 * @throws {@link StoreError} `STORE_UNAVAILABLE` naming both versions
 */
export const checkSliceFold = (): void => {
  if (checked) return
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    const c = String.fromCodePoint(cp)
    if (fold(c) !== fold(c.toLowerCase())) {
      throw new StoreError(
        'STORE_UNAVAILABLE',
        `This runtime's Unicode ${process.versions.unicode} lower-cases U+${cp.toString(16).toUpperCase()} unlike the store's table (Unicode ${SLICE_FOLD_UNICODE}); use a groupsync release made for it.`,
      )
    }
  }
  checked = true
}
