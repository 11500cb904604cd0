import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv2020 } from 'ajv/dist/2020.js'
import { describe, expect, it } from 'vitest'
import { DEFAULT_VECTORS_DIR } from '../src/cases.js'

// The JSON Schemas in docs/vectors are what a port's author reads first; every vector file must
// conform to its own, so the schemas never drift from the files (or the files from the format).

const read = (file: string): unknown =>
  JSON.parse(readFileSync(join(DEFAULT_VECTORS_DIR, file), 'utf8'))

const BASE = 'https://github.com/groupsync/groupsync/docs/vectors/'
// Not strict: its strict mode refuses the usual `oneOf: [{required: [...]}]` over properties of the parent.
const ajv = new Ajv2020({ strict: false })
ajv.addSchema(read('schema.json') as object, `${BASE}schema.json`)
ajv.addSchema(read('claims-schema.json') as object, `${BASE}claims-schema.json`)
ajv.addSchema(read('presets/preset-schema.json') as object, `${BASE}presets/preset-schema.json`)
ajv.addSchema(read('sync-schema.json') as object, `${BASE}sync-schema.json`)
ajv.addSchema(read('directory-schema.json') as object, `${BASE}directory-schema.json`)

const SCHEMA_OF: Readonly<Record<string, string>> = {
  diff: 'schema.json',
  claims: 'claims-schema.json',
  sync: 'sync-schema.json',
  directory: 'directory-schema.json',
}

const files: (readonly [file: string, schema: string])[] = [
  ...readdirSync(DEFAULT_VECTORS_DIR)
    .filter(
      (file) =>
        /^(diff|claims|sync|directory)-.*\.json$/.test(file) && !file.endsWith('schema.json'),
    )
    .map((file) => [file, SCHEMA_OF[file.slice(0, file.indexOf('-'))] ?? ''] as const),
  ...readdirSync(join(DEFAULT_VECTORS_DIR, 'presets'))
    .filter((file) => file !== 'preset-schema.json')
    .map((file) => [`presets/${file}`, 'presets/preset-schema.json'] as const),
]

describe('every vector file conforms to its JSON Schema', () => {
  it('there are files of every kind', () => {
    expect(files.filter(([, schema]) => schema === 'schema.json').length).toBeGreaterThan(10)
    expect(files.filter(([, schema]) => schema === 'claims-schema.json').length).toBeGreaterThan(5)
    expect(files.filter(([, schema]) => schema.startsWith('presets/')).length).toBe(10)
    expect(files.filter(([, schema]) => schema === 'sync-schema.json').length).toBe(13)
    expect(files.filter(([, schema]) => schema === 'directory-schema.json').length).toBe(1)
  })

  it.each(files)('%s', (file, schema) => {
    const validate = ajv.getSchema(`${BASE}${schema}`)
    expect(validate).toBeDefined()
    const valid = validate?.(read(file))
    expect(validate?.errors ?? [], file).toEqual([])
    expect(valid).toBe(true)
  })
})
