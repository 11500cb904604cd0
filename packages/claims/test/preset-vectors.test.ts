import { readdirSync, readFileSync } from 'node:fs'
import * as t from 'io-ts'
import { PathReporter } from 'io-ts/lib/PathReporter.js'
import { describe, expect, it } from 'vitest'
import {
  PROVIDER_PRESET_NAMES,
  PROVIDER_PRESETS,
  readGroupsClaim,
  type ProviderPresetName,
} from '../src/index.js'
import { expectError, expectRight } from './helpers.js'
import { makeKey, sign, type TestKey } from './keys.js'

// Runs docs/vectors/presets/*.json: for each provider preset, tokens shaped as the provider's
// own documentation shows them. Each ID token is signed here with a test key (iat and exp set to
// now, since the documented examples have long expired) and verified as rule C1 says, then read
// with the preset's options, overridden by the vector's. Each file also states the preset's
// claims options (claimsOptions), so that a port or the conformance runner needs no preset table
// of its own; they must equal the preset's.

const presetsDir = new URL('../../../docs/vectors/presets/', import.meta.url)

const Vector = t.intersection([
  t.type({
    name: t.string,
    input: t.intersection([
      t.type({ idToken: t.UnknownRecord }),
      t.partial({ userinfo: t.UnknownRecord, options: t.UnknownRecord }),
    ]),
  }),
  t.union([
    t.type({ expected: t.UnknownRecord }),
    t.type({
      expectedError: t.intersection([t.type({ code: t.string }), t.partial({ path: t.string })]),
    }),
  ]),
])
const PresetFile = t.type({
  preset: t.string,
  description: t.string,
  claimsOptions: t.UnknownRecord,
  vectors: t.array(Vector),
})
type PresetFile = t.TypeOf<typeof PresetFile>

function load(file: string): PresetFile {
  const decoded = PresetFile.decode(JSON.parse(readFileSync(new URL(file, presetsDir), 'utf8')))
  if (decoded._tag === 'Left')
    throw new Error(`${file}: ${PathReporter.report(decoded).join('; ')}`)
  return decoded.right
}

const files = readdirSync(presetsDir)
  .filter((file) => file.endsWith('.json') && file !== 'preset-schema.json')
  .sort()

/** The client id to verify `aud` against: `azp` when the token names one, else the audience. */
function audienceOf(claims: Readonly<Record<string, unknown>>): string {
  if (typeof claims['azp'] === 'string') return claims['azp']
  const aud = claims['aud']
  return typeof aud === 'string' ? aud : String((aud as unknown[])[0])
}

describe('provider preset vectors (docs/vectors/presets/*.json)', () => {
  let key: TestKey | undefined
  const signingKey = async (): Promise<TestKey> =>
    (key ??= await makeKey('preset-vectors', 'RS256'))

  it('there is one vector file per preset, named after it, with at least two tokens', () => {
    expect(files).toEqual([...PROVIDER_PRESET_NAMES].sort().map((name) => `${name}.json`))
    for (const file of files) {
      const content = load(file)
      expect(`${content.preset}.json`).toBe(file)
      expect(content.vectors.length, file).toBeGreaterThanOrEqual(2)
      expect(content.claimsOptions, file).toEqual(
        PROVIDER_PRESETS[content.preset as ProviderPresetName].claimsOptions,
      )
    }
  })

  describe.each(files)('%s', (file) => {
    const content = load(file)
    const preset = PROVIDER_PRESETS[content.preset as ProviderPresetName]
    it.each(content.vectors.map((vector) => [vector.name, vector] as const))(
      '%s',
      async (_name, vector) => {
        const { idToken: claims, userinfo, options } = vector.input
        const now = Math.floor(Date.now() / 1000)
        const k = await signingKey()
        const idToken = await sign({ ...claims, iat: now, exp: now + 600 }, k)
        const result = await readGroupsClaim(
          userinfo === undefined ? { idToken } : { idToken, userinfo },
          {
            ...preset.claimsOptions,
            ...options,
            verification: {
              issuer: String(claims['iss']),
              audience: audienceOf(claims),
              jwks: k.jwks,
              algorithms: ['RS256'],
            },
          },
        )()
        if ('expected' in vector) {
          expect(expectRight(result).state).toEqual(vector.expected)
        } else {
          expect(expectError(result)).toMatchObject(vector.expectedError)
        }
      },
    )
  })
})
