import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROVIDER_PRESET_NAMES, PROVIDER_PRESETS } from '../src/index.js'
import type { ProviderPreset } from '../src/presets/index.js'

// The README's table of provider presets is written from the presets themselves: this test
// fails when the two differ, and prints the table to paste.

const readme = new URL('../README.md', import.meta.url)
const START = '<!-- presets:start -->'
const END = '<!-- presets:end -->'

const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ')
const code = (value: unknown): string => `\`${JSON.stringify(value)}\``

function sets(preset: ProviderPreset): string {
  const parts = Object.entries(preset.claimsOptions).map(([key, value]) => `${key}: ${code(value)}`)
  for (const [key, value] of Object.entries(preset.policy))
    parts.push(`policy ${key}: ${code(value)}`)
  for (const option of preset.requires) parts.push(`**you set** ${option}`)
  if (preset.resolver !== undefined) {
    parts.push(`resolver (${preset.resolver.kind}): ${preset.resolver.allowedOrigins.join(', ')}`)
  }
  return parts.join('<br>')
}

/** The markdown table of every preset: name, what to configure at the provider, what it sets, sources. */
export function presetTable(): string {
  const rows = PROVIDER_PRESET_NAMES.map((name) => {
    const preset = PROVIDER_PRESETS[name]
    const configure = preset.atProvider.map((step, i) => `${i + 1}. ${cell(step)}`).join('<br>')
    const sources = preset.references.map((ref) => `[${cell(ref.title)}](${ref.url})`).join('<br>')
    return `| \`${name}\` (${cell(preset.provider)}) | ${configure} | ${cell(sets(preset))} | ${sources} |`
  })
  return [
    '| preset | configure at the provider | what the preset sets | where the facts come from |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n')
}

describe('the README table of provider presets', () => {
  it('is the table the presets give', () => {
    const text = readFileSync(readme, 'utf8')
    const start = text.indexOf(START)
    const end = text.indexOf(END)
    expect(start, 'README lacks the presets markers').toBeGreaterThan(0)
    const table = text.slice(start + START.length, end).trim()
    expect(table, `README table is out of date; it should be:\n${presetTable()}`).toBe(
      presetTable(),
    )
  })

  it('every preset says what to configure and where each fact comes from', () => {
    for (const name of PROVIDER_PRESET_NAMES) {
      const preset = PROVIDER_PRESETS[name]
      expect(preset.name).toBe(name)
      expect(preset.atProvider.length, name).toBeGreaterThan(0)
      expect(preset.references.length, name).toBeGreaterThan(0)
      for (const ref of preset.references) expect(ref.url, name).toMatch(/^https:\/\//)
      expect(Object.isFrozen(preset.claimsOptions), name).toBe(true)
    }
  })
})
