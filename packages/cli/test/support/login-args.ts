import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loginWithPkce, type DevProvider } from '@groupsync/dev-provider'

/**
 * Logs `sub` in at the dev provider (code flow with PKCE), writes the ID token to a file in `dir`,
 * and returns the `groupsync sync` arguments for the org (default `acme`) that verify it.
 */
export async function loginArgs(
  provider: DevProvider,
  sub: string,
  dir: string,
  org = 'acme',
): Promise<string[]> {
  const login = await loginWithPkce(provider, sub)
  const file = join(dir, `${sub}.id-token.jwt`)
  await writeFile(file, login.idToken)
  return [
    '--org',
    org,
    '--issuer',
    provider.issuer,
    '--client-id',
    provider.clientId,
    '--id-token-file',
    file,
  ]
}
