// Part of the build: the kit carries the spec it checks — the vectors (dist/vectors, the default
// of --vectors), the presets as data and rules.md — so that a porter who installs it needs no
// clone of the repository.
import { cpSync, rmSync } from 'node:fs'

const docs = new URL('../../../docs/', import.meta.url)
const dist = new URL('../dist/', import.meta.url)
rmSync(new URL('vectors/', dist), { recursive: true, force: true })
cpSync(new URL('vectors/', docs), new URL('vectors/', dist), { recursive: true })
cpSync(new URL('presets.json', docs), new URL('presets.json', dist))
cpSync(new URL('rules.md', docs), new URL('rules.md', dist))
