/**
 * A path of this app to return to after sign-in, or `undefined` for anything that would leave it:
 * another origin (`https://…`, `//host`, `/\host`) or a path a browser reads as one (`/.//host`
 * resolves to `//host`). Only the path and query are kept.
 */
export function localPath(value: unknown, baseUrl: string): string | undefined {
  if (typeof value !== 'string' || !value.startsWith('/')) return undefined
  const base = new URL(baseUrl)
  let url: URL
  try {
    url = new URL(value, base)
  } catch {
    return undefined
  }
  if (url.origin !== base.origin || url.pathname.startsWith('//')) return undefined
  return url.pathname + url.search
}
