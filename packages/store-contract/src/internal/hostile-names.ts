import { nameOfBytes } from './store-kit.js'

/**
 * Unicode that decoders, normalisers and sorters like to touch: byte-order marks (a leading
 * U+FEFF is what a TextDecoder strips), the noncharacters U+FFFE and U+FFFF and the replacement
 * character, combining marks on their own and stacked, right-to-left marks, embeddings and
 * isolates, and the characters right next to the surrogate range (U+D7FF, U+E000, U+10000,
 * U+10FFFF). All are valid text: a store must give each back exactly, code unit for code unit.
 */
export const HOSTILE_UNICODE: readonly string[] = [
  '\uFEFFadmins',
  'admins\uFEFF',
  '\uFEFF',
  '\uFEFF\uFEFF',
  '\uFFFE',
  '\uFFFF',
  '\uFFFD',
  'x\uFFFEy\uFFFFz',
  '\uFFFDreplacement',
  '\u0301',
  '\u0301leading combining acute',
  'a\u0300\u0301\u0302\u0303\u0304',
  'Z\u0351\u0352\u0353\u0354\u0355\u0356',
  '\u200Fright-to-left mark',
  'left-to-right mark\u200E',
  '\u202Bembedding\u202C',
  '\u2067isolate\u2069',
  '\u0645\u0634\u0631\u0641\u0648\u0646',
  '\uD7FF',
  '\uE000',
  '\uD800\uDC00',
  '\uDBFF\uDFFF',
  '\uD7FF\uE000\uD800\uDC00\uDBFF\uDFFF',
  '\u2028line\u2029paragraph\u0085next',
]

/**
 * Group names that break naive SQL, LIKE patterns, escaping, sorting or UTF-8 handling. None holds
 * a NUL or a lone surrogate and none is longer than 200 bytes, so every store must accept them
 * all, exactly as given. (The suite adds a name at the store's own limit, `maxNameBytes`.)
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
  ...HOSTILE_UNICODE,
]

/** Names every store must refuse with `STORE_INVALID_INPUT`, having written nothing. */
export const UNSTORABLE_NAMES: readonly string[] = [
  '\u0000',
  'Admins\u0000',
  `${nameOfBytes(1_000)}\u0000`,
  'lone \uD83D surrogate',
  '\uDE00',
]
