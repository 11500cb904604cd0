import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROVIDER_PRESETS } from '../src/index.js'
import type { ProviderPreset } from '../src/presets/provider-preset.js'

// docs/presets.json is the presets as data, for ports (docs/rules.md, "Provider presets": a preset
// is exactly that data). The package's presets must be it: every member that decides behaviour,
// no preset more or less. Their prose (atProvider, references, the resolver's note) stays here.
const documented = JSON.parse(
  readFileSync(new URL('../../../docs/presets.json', import.meta.url), 'utf8'),
) as { readonly presets: readonly unknown[] }

/** A preset as docs/presets.json writes it. */
const asData = (preset: ProviderPreset) => ({
  name: preset.name,
  provider: preset.provider,
  claimsOptions: preset.claimsOptions,
  policy: preset.policy,
  requires: preset.requires,
  ...(preset.resolver === undefined
    ? {}
    : {
        resolver: {
          kind: preset.resolver.kind,
          allowedOrigins: preset.resolver.allowedOrigins,
        },
      }),
})

describe('docs/presets.json', () => {
  it('is exactly the claims package’s presets, in the same order', () => {
    expect(documented.presets).toStrictEqual(Object.values(PROVIDER_PRESETS).map(asData))
  })

  it('holds the ten presets the rules name, each with a claims options object and a policy', () => {
    expect(documented.presets).toHaveLength(10)
    for (const preset of documented.presets) {
      const { claimsOptions, policy } = preset as Readonly<Record<string, unknown>>
      expect(typeof claimsOptions).toBe('object')
      expect(typeof policy).toBe('object')
    }
  })
})
