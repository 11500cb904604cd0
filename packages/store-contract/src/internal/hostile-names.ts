/** Builds a long name from a fixed seed: varied enough that Postgres cannot compress it away. */
const longName = (seed: number, length: number): string => {
  const alphabet = ['a', 'X', '0', ' ', "'", '"', '%', '_', '\\', ';', '$', '(', '{', 'é', '漢']
  alphabet.push('👩‍💻', '😀', '\t', '\n')
  let x = seed
  let out = ''
  while (out.length < length) {
    x = (x * 48271) % 2147483647
    out += alphabet[x % alphabet.length] ?? '?'
  }
  return out
}

/** A name of about 10 kB of UTF-8, and a second one that differs only in its last character. */
export const TEN_KB_NAME = longName(7, 10_240)
export const TEN_KB_NAME_TWIN = `${TEN_KB_NAME.slice(0, -1)}!`

/**
 * Group names that break naive SQL, LIKE patterns, escaping, sorting or UTF-8 handling. None holds
 * a NUL or a lone surrogate, so every store must accept them all, exactly as given.
 */
export const HOSTILE_NAMES: readonly string[] = [
  "O'Brien's group",
  '"double quoted"',
  "'; DROP TABLE memberships; --",
  '100% admins',
  'under_score',
  '%',
  '_',
  'back\\slash',
  '\\\\server\\share',
  "\\'",
  '$1',
  ':name',
  '{a,b}',
  'NULL',
  '',
  ' ',
  ' leading and trailing ',
  'tab\there',
  'new\nline',
  '😀',
  '👩‍👩‍👧‍👦 family',
  'é (NFC)',
  'e\u0301 (NFD)',
  'Admins',
  'admins',
  'ADMINS',
  '\uFF5E fullwidth tilde',
  '\u202Eright-to-left override',
  '\u200Bzero width',
  TEN_KB_NAME,
]

/** Names every store must refuse with `STORE_INVALID_INPUT`, having written nothing. */
export const UNSTORABLE_NAMES: readonly string[] = [
  '\u0000',
  'Admins\u0000',
  `${TEN_KB_NAME}\u0000`,
  'lone \uD83D surrogate',
  '\uDE00',
]
