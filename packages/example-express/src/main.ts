import { startExample } from './start-example.js'

// `pnpm --filter @groupsync/example-express start`: the app on http://127.0.0.1:3000 (PORT to
// change it), with a development OpenID Provider beside it and an in-memory PGlite store.
const example = await startExample({ port: Number(process.env['PORT'] ?? 3000) })
console.log(
  `example: ${example.baseUrl} (log in as alice or bob, any password; provider ${example.provider.issuer}, its groups page ${example.provider.groupsPage})`,
)
