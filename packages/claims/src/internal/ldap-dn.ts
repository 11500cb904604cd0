/**
 * The common name (CN) of an LDAP distinguished name in the string form of RFC 4514, as
 * `memberOf`-style claims carry group DNs (`CN=Domain Admins,OU=Groups,DC=example,DC=com`).
 *
 * The whole string is parsed by the grammar of RFC 4514 section 3 in one pass (no regular
 * expression): RDNs separated by `,`, attribute-value pairs within an RDN by `+`, an attribute
 * type that is a name (`cn`, `CN`, `ou`) or an OID (`2.5.4.3`), and a value in which the
 * characters `"` `+` `,` `;` `<` `>` `\` — and a leading `#` or space, and a trailing space — are
 * escaped as `\c` or as `\hh` hex pairs of UTF-8 bytes. The CN is the value of the first `cn`
 * (or `2.5.4.3`) pair of the first (most specific) RDN, unescaped.
 */

/** The OID of the `cn` attribute type (RFC 4519). */
const CN_OID = '2.5.4.3'

const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const hexValue = (c: number): number =>
  isDigit(c) ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 55 : c >= 0x61 && c <= 0x66 ? c - 87 : -1

/** Characters that may follow `\` as themselves (RFC 4514 `escaped` / `special` / ESC). */
const ESCAPABLE = new Set(Array.from('"+,;<>\\ #=', (c) => c.charCodeAt(0)))
/** Characters never allowed unescaped in a value (RFC 4514 SUTF1 excludes them, and NUL). */
const NEVER_RAW = new Set(Array.from('"+,;<>\\\u0000', (c) => c.charCodeAt(0)))

const utf8 = new TextEncoder()

/** A decoder that refuses invalid UTF-8 instead of replacing it. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

interface Cursor {
  readonly text: string
  at: number
}

/** Reads an attribute type; its canonical form (lower-cased name or OID), or undefined. */
function attributeType(cursor: Cursor): string | undefined {
  const { text } = cursor
  const start = cursor.at
  const first = text.charCodeAt(start)
  if (isAlpha(first)) {
    let end = start + 1
    while (end < text.length) {
      const c = text.charCodeAt(end)
      if (!(isAlpha(c) || isDigit(c) || c === 0x2d)) break
      end += 1
    }
    cursor.at = end
    return text.slice(start, end).toLowerCase()
  }
  // numericoid = number 1*( DOT number ); number = DIGIT / ( LDIGIT 1*DIGIT )
  let end = start
  let parts = 0
  for (;;) {
    const numberStart = end
    while (end < text.length && isDigit(text.charCodeAt(end))) end += 1
    if (end === numberStart) return undefined
    if (end - numberStart > 1 && text.charCodeAt(numberStart) === 0x30) return undefined
    parts += 1
    if (text.charCodeAt(end) !== 0x2e) break
    end += 1
  }
  if (parts < 2) return undefined
  cursor.at = end
  return text.slice(start, end)
}

/**
 * Reads an attribute value up to the next unescaped `,` or `+` (or the end). Returns the
 * unescaped string, `null` for a well-formed `#hex` (BER) value, or undefined when the value
 * breaks the grammar or is not valid UTF-8.
 */
function attributeValue(cursor: Cursor): string | null | undefined {
  const { text } = cursor
  if (text.charCodeAt(cursor.at) === 0x23 /* # */) {
    let end = cursor.at + 1
    while (end < text.length && hexValue(text.charCodeAt(end)) >= 0) end += 1
    const digits = end - cursor.at - 1
    if (digits === 0 || digits % 2 !== 0) return undefined
    cursor.at = end
    return null
  }
  const bytes: number[] = []
  const start = cursor.at
  let lastEscaped = -1
  let i = start
  while (i < text.length) {
    const c = text.charCodeAt(i)
    if (c === 0x2c /* , */ || c === 0x2b /* + */) break
    if (c === 0x5c /* \ */) {
      const next = text.charCodeAt(i + 1)
      if (ESCAPABLE.has(next)) {
        bytes.push(next)
        lastEscaped = i + 1
        i += 2
        continue
      }
      const high = hexValue(next)
      const low = hexValue(text.charCodeAt(i + 2))
      if (high < 0 || low < 0) return undefined
      bytes.push(high * 16 + low)
      lastEscaped = i + 2
      i += 3
      continue
    }
    if (NEVER_RAW.has(c)) return undefined
    if (c === 0x20 && i === start) return undefined // a leading space must be escaped
    // A raw character, as its UTF-8 bytes; a lone surrogate has none and is refused.
    const pair = c >= 0xd800 && c <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))
    if (!pair && c >= 0xd800 && c <= 0xdfff) return undefined
    const width = pair ? 2 : 1
    for (const byte of utf8.encode(text.slice(i, i + width))) bytes.push(byte)
    i += width
  }
  // A trailing space must be escaped (RFC 4514 trailchar).
  if (i > start && text.charCodeAt(i - 1) === 0x20 && lastEscaped !== i - 1) return undefined
  cursor.at = i
  let value: string
  try {
    value = strictUtf8.decode(new Uint8Array(bytes))
  } catch {
    return undefined
  }
  return value.includes('\u0000') ? undefined : value
}

/**
 * The CN of the first RDN of `dn`, or undefined when `dn` is not a distinguished name in the
 * RFC 4514 string form, or its first RDN has no CN with a string value.
 *
 * @example
 * ```ts
 * commonNameOfDn('CN=Dev\\, Ops,OU=Groups,DC=example,DC=com') // 'Dev, Ops'
 * commonNameOfDn('OU=Groups,DC=example,DC=com') // undefined
 * ```
 */
export function commonNameOfDn(dn: string): string | undefined {
  if (dn === '') return undefined
  const cursor: Cursor = { text: dn, at: 0 }
  let rdn = 0
  let cn: string | undefined
  for (;;) {
    const type = attributeType(cursor)
    if (type === undefined || dn.charCodeAt(cursor.at) !== 0x3d /* = */) return undefined
    cursor.at += 1
    const value = attributeValue(cursor)
    if (value === undefined) return undefined
    if (rdn === 0 && cn === undefined && (type === 'cn' || type === CN_OID) && value !== null) {
      cn = value
    }
    if (cursor.at === dn.length) return cn
    const separator = dn.charCodeAt(cursor.at)
    if (separator === 0x2c /* , */) rdn += 1
    cursor.at += 1
    if (cursor.at === dn.length) return undefined // a DN does not end with a separator
  }
}
