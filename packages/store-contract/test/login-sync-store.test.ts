import { defineLoginSyncStore } from '@groupsync/core'
import { describeLoginSyncStore } from '../src/index.js'
import { mapLoginAdapter, mapSeed, mapTables } from './support/map-login-tables.js'

// The login-sync suite on an application's own tables (maps here): once with everything a seed
// and a store can offer (audit listing, fault hook, a removal unit: the offboarding tests run),
// once with the least (none of them: the offboarding tests are skipped), and once over tables
// whose ids are not text and that keep no creation times, with a short name limit (24 bytes,
// less than some hostile names).
const full = mapTables()
describeLoginSyncStore('tables with an audit log and a fault hook', {
  makeStore: (options) => defineLoginSyncStore(mapLoginAdapter(full, options.testOnlyFaultHook)),
  seed: mapSeed(full, true),
  faultHook: true,
  modelRuns: 60,
})

const bare = mapTables()
describeLoginSyncStore('tables without an audit listing or a fault hook', {
  makeStore: () => {
    const { removeUserUnit: _, ...loginOnly } = mapLoginAdapter(bare)
    return defineLoginSyncStore(loginOnly)
  },
  seed: mapSeed(bare, false),
  modelRuns: 20,
  concurrencyRuns: 1,
})

const numbered = mapTables({
  limits: { maxNameBytes: 24, ids: { org: 'uuid', user: 'integer', group: 'bigint' } },
  times: false,
})
describeLoginSyncStore(
  'tables with uuid org ids, integer user and group ids, no creation times, 24-byte names',
  {
    makeStore: (options) =>
      defineLoginSyncStore(mapLoginAdapter(numbered, options.testOnlyFaultHook)),
    seed: mapSeed(numbered, true),
    faultHook: true,
    modelRuns: 20,
  },
)
