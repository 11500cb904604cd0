interface StoredCookie {
  readonly name: string
  readonly value: string
  readonly path: string
}

/**
 * The least cookie jar a login through one loopback provider needs: cookies by name and path,
 * sent on requests whose path they cover, dropped when the server expires them.
 */
export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>()

  /** Stores the `Set-Cookie` headers of a response. */
  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';')
      const separator = pair.indexOf('=')
      if (separator <= 0) continue
      const name = pair.slice(0, separator).trim()
      const value = pair.slice(separator + 1).trim()
      let path = '/'
      let expired = value === ''
      for (const attribute of attributes) {
        const [key = '', raw = ''] = attribute.split('=', 2).map((part) => part.trim())
        const lower = key.toLowerCase()
        if (lower === 'path' && raw.startsWith('/')) path = raw
        if (lower === 'max-age' && Number(raw) <= 0) expired = true
        if (lower === 'expires' && Date.parse(raw) <= Date.now()) expired = true
      }
      const key = `${name};${path}`
      if (expired) this.#cookies.delete(key)
      else this.#cookies.set(key, { name, value, path })
    }
  }

  /** The `Cookie` header for a request to `url`. */
  header(url: URL): string {
    return [...this.#cookies.values()]
      .filter((cookie) => url.pathname === cookie.path || url.pathname.startsWith(cookie.path))
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ')
  }
}
